/**
 * The value model: Go's dynamic types as Helm's data produces them, in JS.
 *
 * | Go                         | JS                                   |
 * |----------------------------|--------------------------------------|
 * | nil (interface{})          | `null`                               |
 * | string                     | `string`                             |
 * | bool                       | `boolean`                            |
 * | float64 (YAML/JSON number) | `number`                             |
 * | int, int64 (constants, funcs) | {@link GoInt} (a bigint + its Go type) |
 * | []interface{}              | `GoValue[]` (a `[]string` is marked, see {@link stringSlice}) |
 * | map[string]interface{}     | `Map<string, GoValue>` (a Map: no prototype to pollute) |
 * | []byte                     | `Uint8Array`                         |
 * | struct (Helm's .Release …) | {@link GoStruct}                     |
 * | func                       | {@link GoFunc}                       |
 * | time.Time                  | {@link GoTime}                       |
 */

export type GoValue =
  | null
  | string
  | boolean
  | number
  | GoInt
  | GoValue[]
  | GoMap
  | Uint8Array
  | GoStruct
  | GoFunc
  | GoTime;

export type GoMap = Map<string, GoValue>;

export type GoIntType = 'int' | 'int64' | 'int32' | 'uint8' | 'time.Duration';

/** A Go integer. int and int64 are 64 bits wide on Helm's platforms; arithmetic wraps. */
export class GoInt {
  readonly value: bigint;
  readonly type: GoIntType;
  constructor(value: bigint | number, type: GoIntType = 'int') {
    this.value = BigInt.asIntN(64, typeof value === 'number' ? BigInt(Math.trunc(value)) : value);
    this.type = type;
  }
  toString(): string {
    return this.value.toString();
  }
}

/** A method of a struct: receives evaluated arguments. */
export type GoMethod = (args: readonly GoValue[]) => GoValue;

/** A Go struct value with exported fields and methods, for objects like Helm's `.Release`. */
export class GoStruct {
  readonly typeName: string;
  readonly fields: ReadonlyMap<string, GoValue>;
  readonly methods: ReadonlyMap<string, GoMethod>;
  constructor(
    typeName: string,
    fields: ReadonlyMap<string, GoValue>,
    methods: ReadonlyMap<string, GoMethod> = new Map(),
  ) {
    this.typeName = typeName;
    this.fields = fields;
    this.methods = methods;
  }
}

/** A Go func value (for `call`). */
export class GoFunc {
  readonly fn: (args: readonly GoValue[]) => GoValue;
  readonly typeName: string;
  constructor(
    fn: (args: readonly GoValue[]) => GoValue,
    typeName = 'func(...interface {}) interface {}',
  ) {
    this.fn = fn;
    this.typeName = typeName;
  }
}

/** A Go time.Time: milliseconds since the epoch, extra nanoseconds, and a fixed zone. */
export class GoTime {
  readonly epochMs: number;
  readonly nanos: number;
  /** Zone offset east of UTC in seconds, and its abbreviation. */
  readonly offsetSeconds: number;
  readonly zoneName: string;
  constructor(epochMs: number, nanos = 0, offsetSeconds = 0, zoneName = 'UTC') {
    this.epochMs = epochMs;
    this.nanos = nanos;
    this.offsetSeconds = offsetSeconds;
    this.zoneName = zoneName;
  }
}

const stringSlices = new WeakSet<GoValue[]>();

/** Marks an array as a Go `[]string` (what Sprig's list-of-strings functions return). */
export function stringSlice(values: string[]): GoValue[] {
  stringSlices.add(values);
  return values;
}

export function isStringSlice(value: GoValue[]): boolean {
  return stringSlices.has(value);
}

export function isMap(value: GoValue): value is GoMap {
  return value instanceof Map;
}

/** A JS value decoded by a YAML/JSON parser, turned into Go's model (as sigs.k8s.io/yaml does). */
export function fromPlain(value: unknown): GoValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number')
    return value;
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map((item: unknown) => fromPlain(item));
  if (value instanceof Map) {
    const out: GoMap = new Map();
    for (const [k, v] of value as Map<unknown, unknown>) out.set(String(k), fromPlain(v));
    return out;
  }
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'object') {
    const out: GoMap = new Map();
    for (const key of Object.keys(value))
      out.set(key, fromPlain((value as Record<string, unknown>)[key]));
    return out;
  }
  throw new TypeError(`cannot represent a ${typeof value} as a Go value`);
}

/** Go's %T name of a value. */
export function typeName(value: GoValue): string {
  if (value === null) return '<nil>';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return 'float64';
    default:
      break;
  }
  if (value instanceof GoInt) return value.type;
  if (Array.isArray(value)) return isStringSlice(value) ? '[]string' : '[]interface {}';
  if (value instanceof Map) return 'map[string]interface {}';
  if (value instanceof Uint8Array) return '[]uint8';
  if (value instanceof GoStruct) return value.typeName;
  if (value instanceof GoFunc) return value.typeName;
  return 'time.Time';
}

/** Go's reflect.Kind name of a value. */
export function kindName(value: GoValue): string {
  if (value === null) return 'invalid';
  if (value instanceof GoInt) return value.type === 'time.Duration' ? 'int64' : value.type;
  if (Array.isArray(value) || value instanceof Uint8Array) return 'slice';
  if (value instanceof Map) return 'map';
  if (value instanceof GoStruct || value instanceof GoTime) return 'struct';
  if (value instanceof GoFunc) return 'func';
  return typeName(value);
}

/** text/template's truth: false, 0, nil, and empty strings, slices and maps are false. */
export function isTrue(value: GoValue): boolean {
  if (value === null) return false;
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (value instanceof GoInt) return value.value !== 0n;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map) return value.size > 0;
  if (value instanceof Uint8Array) return value.length > 0;
  return true;
}

/** Deep structural equality as reflect.DeepEqual sees Helm's data. */
export function deepEqual(a: GoValue, b: GoValue): boolean {
  if (a === b) return true;
  if (typeName(a) !== typeName(b)) return false;
  if (a instanceof GoInt && b instanceof GoInt) return a.value === b.value;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i] ?? null));
  }
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !deepEqual(v, b.get(k) ?? null)) return false;
    return true;
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
  }
  if (a instanceof GoTime && b instanceof GoTime)
    return a.epochMs === b.epochMs && a.nanos === b.nanos;
  return false;
}

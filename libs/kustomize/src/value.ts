/**
 * The data model of resources: what kustomize holds after decoding YAML and passing it through
 * JSON. Integers outside JavaScript's safe range stay exact as bigint.
 */
export type Value = null | boolean | number | bigint | string | Value[] | ValueMap;
export interface ValueMap {
  [key: string]: Value;
}

export function isMap(value: Value | undefined): value is ValueMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A map that tolerates any key, `__proto__` included. */
export function newMap(): ValueMap {
  return Object.create(null) as ValueMap;
}

export function deepCopy<T extends Value>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => deepCopy(item)) as T;
  if (isMap(value)) {
    const copy = newMap();
    for (const key of Object.keys(value)) copy[key] = deepCopy(value[key] as Value);
    return copy as T;
  }
  return value;
}

export function deepEqual(a: Value | undefined, b: Value | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isMap(a) && isMap(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => key in b && deepEqual(a[key], b[key]));
  }
  return false;
}

/** A value as text for messages and comparisons; never throws (unlike JSON.stringify on bigint). */
export function describe(value: Value | undefined): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'bigint' ? item.toString() : item,
  );
}

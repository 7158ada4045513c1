import { HelmError } from './errors.js';
import { newValues, type Values } from './values.js';

/**
 * Helm's `--set` language (`a.b=c,d[0]=x,e={1,2}`), read rune by rune as Helm's strvals
 * parser reads it, so the same strings give the same values and the same failures.
 * Integers read by `--set` are Go int64: they come back as `bigint`, while YAML and JSON
 * numbers stay `number` (Go float64), because templates tell the two apart.
 */

/** How the value text after `=` becomes a value. */
export type SetValueReader = (text: string) => unknown;

/** Helm's bound on `a.b.c...` nesting in one key. */
export const maxNestedNameLevel = 30;
/** Helm's bound on a list index in `a[N]`. */
export const maxListIndex = 65536;

const endOfInput = Symbol('endOfInput');

class SetParseError extends Error {}

/** `--set`: ints, booleans and null are inferred, everything else is a string. */
export function inferTypedValue(text: string): unknown {
  const lower = text.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (text === '0') return 0n;
  if (text !== '' && !text.startsWith('0') && /^[+-]?[0-9]+$/.test(text)) {
    const value = BigInt(text);
    if (value >= -(2n ** 63n) && value < 2n ** 63n) return value;
  }
  return text;
}

class Scanner {
  private position = 0;
  private readonly runes: string[];
  constructor(text: string) {
    this.runes = Array.from(text);
  }
  read(): string | typeof endOfInput {
    const rune = this.runes[this.position];
    if (rune === undefined) return endOfInput;
    this.position += 1;
    return rune;
  }
  unread(): void {
    this.position -= 1;
  }
  rest(): string {
    return this.runes.slice(this.position).join('');
  }
  skipUtf16(count: number): void {
    let units = 0;
    while (units < count && this.position < this.runes.length) {
      units += (this.runes[this.position] ?? '').length;
      this.position += 1;
    }
  }
}

interface Until {
  readonly text: string;
  /** The stop rune met, or endOfInput. */
  readonly last: string | typeof endOfInput;
}

/** Reads until a stop rune; a backslash takes the next rune literally. */
function runesUntil(scanner: Scanner, stop: string): Until {
  let text = '';
  for (;;) {
    const rune = scanner.read();
    if (rune === endOfInput) return { text, last: endOfInput };
    if (stop.includes(rune)) return { text, last: rune };
    if (rune === '\\') {
      const next = scanner.read();
      if (next === endOfInput) return { text, last: endOfInput };
      text += next;
      continue;
    }
    text += rune;
  }
}

const typeName = (value: unknown): string => {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'bigint') return 'int64';
  if (typeof value === 'number') return 'float64';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  if (Array.isArray(value)) return '[]interface {}';
  return 'map[string]interface {}';
};

const isValuesMap = (value: unknown): value is Values =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Setting an empty key is a no-op in Helm. */
function set(data: Values, key: string, value: unknown): void {
  if (key === '') return;
  data[key] = value;
}

function setIndex(list: unknown[], index: number, value: unknown): unknown[] {
  if (index < 0) throw new SetParseError(`negative ${index} index not allowed`);
  if (index > maxListIndex) {
    throw new SetParseError(
      `index of ${index} is greater than maximum supported index of ${maxListIndex}`,
    );
  }
  const grown =
    list.length <= index ? [...list, ...Array<null>(index + 1 - list.length).fill(null)] : list;
  grown[index] = value;
  return grown;
}

function parseGoInt(text: string): number {
  if (!/^[+-]?[0-9]+$/.test(text)) {
    throw new SetParseError(`strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  }
  return Number(text);
}

class SetParser {
  constructor(
    private readonly scanner: Scanner,
    private readonly reader: SetValueReader,
    private readonly json: boolean,
  ) {}

  parse(data: Values): void {
    for (;;) {
      if (this.key(data, 0) === endOfInput) return;
    }
  }

  /** One `key...=value`; endOfInput once the input is used up. */
  private key(data: Values, level: number): typeof endOfInput | undefined {
    const { text: key, last } = runesUntil(this.scanner, '=[,.');
    if (last === endOfInput) {
      if (key === '') return endOfInput;
      throw new SetParseError(`key ${JSON.stringify(key)} has no value`);
    }
    if (last === '[') {
      const index = this.keyIndex();
      const existing = data[key];
      if (existing !== undefined && !Array.isArray(existing)) {
        throw new SetParseError(
          `unable to parse key: interface conversion: interface {} is ${typeName(existing)}, not []interface {}`,
        );
      }
      const { list, end } = this.listItem(existing ?? [], index, level);
      set(data, key, list);
      return end;
    }
    if (last === '=') return this.assign(data, key);
    if (last === ',') {
      set(data, key, '');
      throw new SetParseError(`key ${JSON.stringify(key)} has no value (cannot end with ,)`);
    }
    const nested = level + 1;
    if (nested > maxNestedNameLevel) {
      throw new SetParseError(
        `value name nested level is greater than maximum supported nested level of ${maxNestedNameLevel}`,
      );
    }
    const existing = data[key];
    if (existing !== undefined && !isValuesMap(existing)) {
      throw new SetParseError(
        `unable to parse key: interface conversion: interface {} is ${typeName(existing)}, not map[string]interface {}`,
      );
    }
    const inner = existing ?? newValues();
    const end = this.key(inner, nested);
    if (end === undefined && Object.keys(inner).length === 0) {
      throw new SetParseError(`key map ${JSON.stringify(key)} has no value`);
    }
    if (Object.keys(inner).length !== 0) set(data, key, inner);
    return end;
  }

  private assign(data: Values, key: string): typeof endOfInput | undefined {
    if (this.json) {
      set(data, key, this.jsonValue());
      return undefined;
    }
    const list = this.valueList();
    if (list === endOfInput) {
      set(data, key, '');
      return endOfInput;
    }
    if (list !== undefined) {
      set(data, key, list);
      return undefined;
    }
    const { text, last } = runesUntil(this.scanner, ',');
    set(data, key, this.reader(text));
    return last === endOfInput ? endOfInput : undefined;
  }

  /** A JSON value up to the next comma; an empty one is null. */
  private jsonValue(): unknown {
    if (this.emptyValue()) return null;
    const rest = this.scanner.rest();
    const { value, length } = decodeFirstJson(rest);
    this.scanner.skipUtf16(length);
    this.emptyValue();
    return value;
  }

  /** Skips blanks; true when the value is empty (a comma or the end). */
  private emptyValue(): boolean {
    for (;;) {
      const rune = this.scanner.read();
      if (rune === endOfInput || rune === ',') return true;
      if (!/\s/u.test(rune)) {
        this.scanner.unread();
        return false;
      }
    }
  }

  private keyIndex(): number {
    const { text, last } = runesUntil(this.scanner, ']');
    if (last === endOfInput) throw new SetParseError('error parsing index: EOF');
    try {
      return parseGoInt(text);
    } catch (error) {
      throw new SetParseError(`error parsing index: ${(error as Error).message}`);
    }
  }

  private listItem(
    list: unknown[],
    index: number,
    level: number,
  ): { list: unknown[]; end: typeof endOfInput | undefined } {
    if (index < 0) throw new SetParseError(`negative ${index} index not allowed`);
    const { text, last } = runesUntil(this.scanner, '[.=');
    if (text !== '') {
      throw new SetParseError(`unexpected data at end of array index: ${JSON.stringify(text)}`);
    }
    if (last === endOfInput) return { list, end: endOfInput };
    if (last === '=') {
      if (this.json) return { list: setIndex(list, index, this.jsonValue()), end: undefined };
      const values = this.valueList();
      if (values === endOfInput) return { list: setIndex(list, index, ''), end: endOfInput };
      if (values !== undefined) return { list: setIndex(list, index, values), end: undefined };
      const value = runesUntil(this.scanner, ',');
      return {
        list: setIndex(list, index, this.reader(value.text)),
        end: value.last === endOfInput ? endOfInput : undefined,
      };
    }
    if (last === '[') {
      const next = this.keyIndex();
      const existing = list.length > index ? list[index] : undefined;
      if (existing !== undefined && existing !== null && !Array.isArray(existing)) {
        throw new SetParseError(
          `unable to parse key: interface conversion: interface {} is ${typeName(existing)}, not []interface {}`,
        );
      }
      const inner = this.listItem(existing ?? [], next, level);
      return { list: setIndex(list, index, inner.list), end: inner.end };
    }
    const existing = list.length > index ? list[index] : undefined;
    const inner = isValuesMap(existing) ? existing : newValues();
    const end = this.key(inner, level);
    return { list: setIndex(list, index, inner), end };
  }

  /** `{a,b}` as a list; undefined when the value is not a list; endOfInput when empty. */
  private valueList(): unknown[] | undefined | typeof endOfInput {
    const first = this.scanner.read();
    if (first === endOfInput) return endOfInput;
    if (first !== '{') {
      this.scanner.unread();
      return undefined;
    }
    const list: unknown[] = [];
    for (;;) {
      const { text, last } = runesUntil(this.scanner, ',}');
      if (last === endOfInput) throw new SetParseError("list must terminate with '}'");
      list.push(this.reader(text));
      if (last === '}') {
        const after = this.scanner.read();
        if (after !== endOfInput && after !== ',') this.scanner.unread();
        return list;
      }
    }
  }
}

/** The first JSON value of `text` (Go's json.Decoder reads one value and stops). */
function decodeFirstJson(text: string): { value: unknown; length: number } {
  const leading = text.length - text.trimStart().length;
  for (let end = leading + 1; end <= text.length; end += 1) {
    const candidate = text.slice(0, end);
    const next = text[end];
    // A value ends where a comma, blank or the input follows it.
    if (next !== undefined && next !== ',' && !/\s/u.test(next)) continue;
    try {
      return { value: toValues(JSON.parse(candidate)), length: end };
    } catch {
      continue;
    }
  }
  throw new SetParseError(`invalid JSON value ${JSON.stringify(text)}`);
}

/** JSON or YAML data as null-prototype maps, so `__proto__` is only ever a key. */
export function toValues(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toValues);
  if (isValuesMap(value)) {
    const result = newValues();
    for (const [key, entry] of Object.entries(value)) result[key] = toValues(entry);
    return result;
  }
  return value;
}

/** Which flag a `--set`-style string came from, for the error Helm prints. */
export type SetFlag = 'set' | 'set-string' | 'set-json' | 'set-file';

/**
 * Applies one `--set`-style string to `into` (changed in place). `readFile` resolves
 * `--set-file` paths to their text.
 */
export function parseSetInto(
  flag: SetFlag,
  text: string,
  into: Values,
  readFile?: (path: string) => string,
): void {
  const reader: SetValueReader =
    flag === 'set'
      ? inferTypedValue
      : flag === 'set-file'
        ? (path) => {
            if (readFile === undefined) throw new SetParseError('--set-file needs a file reader');
            return readFile(path);
          }
        : (value) => value;
  try {
    new SetParser(new Scanner(text), reader, flag === 'set-json').parse(into);
  } catch (error) {
    if (!(error instanceof SetParseError)) throw error;
    throw new HelmError(
      'InvalidValues',
      flag === 'set-json'
        ? `failed parsing --set-json data ${text}`
        : `failed parsing --${flag} data: ${error.message}`,
      { cause: error },
    );
  }
}

/** text/template's predefined functions, with Go's comparison rules and errors. */
import { FuncError } from './errors.js';
import type { FuncDef } from './exec.js';
import { sprint, sprintf, sprintln } from './fmt.js';
import { GoFunc, GoInt, isTrue, typeName, type GoValue } from './value.js';

type Kind = 'bool' | 'int' | 'float' | 'string' | 'invalid' | 'other';

function basicKind(v: GoValue): Kind {
  if (v === null) return 'invalid';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'string') return 'string';
  if (v instanceof GoInt) return v.type === 'uint8' ? 'int' : 'int';
  return 'other';
}

function scalar(v: GoValue): string | number | bigint | boolean {
  if (v instanceof GoInt) return v.value;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return 0;
}

function eq(args: GoValue[]): GoValue {
  const [a = null, ...rest] = args;
  if (rest.length === 0) throw new FuncError('missing argument for comparison');
  const k1 = basicKind(a);
  for (const b of rest) {
    const k2 = basicKind(b);
    let truth = false;
    if (k1 !== k2) {
      if (a !== null && b !== null) throw new FuncError('incompatible types for comparison');
    } else if (k1 === 'other' || k1 === 'invalid') {
      if (Array.isArray(a) || a instanceof Map || Array.isArray(b) || b instanceof Map) {
        throw new FuncError(`non-comparable type ${typeName(a)}`);
      }
      truth = a === b;
    } else {
      truth = scalar(a) === scalar(b);
    }
    if (truth) return true;
  }
  return false;
}

function lt(a: GoValue, b: GoValue): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k1 === 'other' || k2 === 'invalid' || k2 === 'other')
    throw new FuncError('invalid type for comparison');
  if (k1 !== k2) throw new FuncError('incompatible types for comparison');
  if (k1 === 'bool') throw new FuncError('invalid type for comparison');
  return scalar(a) < scalar(b);
}

function indexOf(item: GoValue, keys: GoValue[]): GoValue {
  let v = item;
  for (const key of keys) {
    if (v === null) throw new FuncError('index of untyped nil');
    if (v instanceof Map) {
      if (typeof key !== 'string')
        throw new FuncError(
          `value has type ${key === null ? 'interface {}' : typeName(key)}; should be string`,
        );
      v = v.get(key) ?? null;
      continue;
    }
    if (Array.isArray(v) || typeof v === 'string' || v instanceof Uint8Array) {
      if (!(key instanceof GoInt))
        throw new FuncError(
          `cannot index slice/array with type ${key === null ? 'nil' : typeName(key)}`,
        );
      const i = Number(key.value);
      const length = typeof v === 'string' ? Buffer.byteLength(v) : v.length;
      if (i < 0 || i >= length) throw new FuncError(`index out of range: ${String(i)}`);
      if (typeof v === 'string') v = new GoInt(Buffer.from(v)[i] ?? 0, 'uint8');
      else if (v instanceof Uint8Array) v = new GoInt(v[i] ?? 0, 'uint8');
      else v = v[i] ?? null;
      continue;
    }
    throw new FuncError(`can't index item of type ${typeName(v)}`);
  }
  return v;
}

function sliceOf(item: GoValue, idx: GoValue[]): GoValue {
  if (item === null) throw new FuncError('slice of untyped nil');
  if (idx.length > 3) throw new FuncError(`too many slice indexes: ${String(idx.length)}`);
  if (!(typeof item === 'string' || Array.isArray(item)))
    throw new FuncError(`can't slice item of type ${typeName(item)}`);
  if (typeof item === 'string' && idx.length === 3)
    throw new FuncError('cannot 3-index slice a string');
  const length = typeof item === 'string' ? Buffer.byteLength(item) : item.length;
  const nums = idx.map((k) => {
    if (!(k instanceof GoInt))
      throw new FuncError(`cannot index slice/array with type ${k === null ? 'nil' : typeName(k)}`);
    const n = Number(k.value);
    if (n < 0 || n > length) throw new FuncError(`index out of range: ${String(n)}`);
    return n;
  });
  const start = nums[0] ?? 0;
  const end = nums[1] ?? length;
  if (start > end) throw new FuncError(`invalid slice index: ${String(start)} > ${String(end)}`);
  if (typeof item === 'string') return Buffer.from(item).subarray(start, end).toString('utf8');
  return item.slice(start, end);
}

function htmlEscape(s: string): string {
  return s.replace(
    /[\0"'&<>]/g,
    (c) =>
      ({ '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] ??
      c,
  );
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === '<') out += '\\u003C';
    else if (ch === '>') out += '\\u003E';
    else if (ch === '&') out += '\\u0026';
    else if (ch === '=') out += '\\u003D';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20) out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

/** net/url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Go's evalArgs for html/js/urlquery: one string argument is used as is. */
function evalArgs(args: GoValue[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args);
}

function def(
  params: FuncDef['params'],
  fn: FuncDef['fn'],
  variadic?: FuncDef['variadic'],
): FuncDef {
  return variadic === undefined ? { params, fn } : { params, fn, variadic };
}

export const builtins: ReadonlyMap<string, FuncDef> = new Map<string, FuncDef>([
  ['not', def(['any'], ([a = null]) => !isTrue(a))],
  [
    'len',
    def(['any'], ([a = null]) => {
      if (typeof a === 'string') return new GoInt(Buffer.byteLength(a));
      if (Array.isArray(a) || a instanceof Uint8Array) return new GoInt(a.length);
      if (a instanceof Map) return new GoInt(a.size);
      throw new FuncError(`len of ${a === null ? 'nil pointer' : `type ${typeName(a)}`}`);
    }),
  ],
  ['index', def(['any'], ([item = null, ...keys]) => indexOf(item, keys), 'any')],
  ['slice', def(['any'], ([item = null, ...idx]) => sliceOf(item, idx), 'any')],
  ['print', def([], (args) => sprint(args), 'any')],
  ['println', def([], (args) => sprintln(args), 'any')],
  [
    'printf',
    def(['string'], ([f = '', ...rest]) => sprintf(typeof f === 'string' ? f : '', rest), 'any'),
  ],
  ['html', def([], (args) => htmlEscape(evalArgs(args)), 'any')],
  ['js', def([], (args) => jsEscape(evalArgs(args)), 'any')],
  ['urlquery', def([], (args) => queryEscape(evalArgs(args)), 'any')],
  [
    'call',
    def(
      ['any'],
      ([fn = null, ...rest]) => {
        if (!(fn instanceof GoFunc))
          throw new FuncError(
            `non-function ${fn === null ? 'nil' : typeName(fn)} of type ${fn === null ? '<nil>' : typeName(fn)}`,
          );
        return fn.fn(rest);
      },
      'any',
    ),
  ],
  ['eq', def(['any'], (args) => eq(args), 'any')],
  ['ne', def(['any', 'any'], ([a = null, b = null]) => !eq([a, b]))],
  ['lt', def(['any', 'any'], ([a = null, b = null]) => lt(a, b))],
  ['le', def(['any', 'any'], ([a = null, b = null]) => lt(a, b) || eq([a, b]) === true)],
  ['gt', def(['any', 'any'], ([a = null, b = null]) => !(lt(a, b) || eq([a, b]) === true))],
  ['ge', def(['any', 'any'], ([a = null, b = null]) => !lt(a, b))],
]);

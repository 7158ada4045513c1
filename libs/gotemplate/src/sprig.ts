/**
 * Sprig v3 as Helm ships it (Helm removes `env` and `expandenv`). Functions not ported yet
 * are registered so that a template using one fails with an error naming it, never renders
 * wrong output.
 */
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { posix } from 'node:path';
import { RE2JS } from 're2js';
import { parseConstraints, parseVersion } from '@tide/semver';
import { FuncError } from './errors.js';
import type { FuncDef, ParamType } from './exec.js';
import { formatValue } from './fmt.js';
import {
  deepEqual,
  GoInt,
  GoStruct,
  isTrue,
  kindName,
  stringSlice,
  typeName,
  type GoMap,
  type GoValue,
} from './value.js';

/** Sprig's strval: strings as they are, []byte as text, anything else as fmt's %v. */
export function strval(v: GoValue): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (v === null) return '<nil>';
  return formatValue(v, 'v');
}

/** Sprig's empty: nil, false, 0, and empty strings, slices and maps. */
export function empty(v: GoValue): boolean {
  if (v instanceof GoStruct) return false;
  return !isTrue(v);
}

/** spf13/cast.ToInt64E as Sprig's toInt64 uses it (failures are 0). */
function toInt64(v: GoValue): bigint {
  if (v instanceof GoInt) return v.value;
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'string') {
    const t = v.trim() === v ? v : '';
    if (/^[+-]?\d+$/.test(t)) return BigInt.asIntN(64, BigInt(t));
    if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(t)) return BigInt(t.replace(/^([+-]?)0[xX]/, '$10x'));
    return 0n;
  }
  return 0n;
}

function toFloat64(v: GoValue): number {
  if (v instanceof GoInt) return Number(v.value);
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const f = Number(v);
    return v.trim() !== '' && Number.isFinite(f) ? f : 0;
  }
  return 0;
}

function int64(n: bigint): GoInt {
  return new GoInt(n, 'int64');
}

function asList(v: GoValue, fn: string): GoValue[] {
  if (Array.isArray(v)) return v;
  throw new FuncError(`Cannot ${fn} on type ${v === null ? '<nil>' : typeName(v)}`);
}

/** Sprig's strslice: []string as is, other lists' non-nil items through strval. */
function strslice(v: GoValue): string[] {
  if (Array.isArray(v)) return v.filter((x) => x !== null).map((x) => strval(x));
  if (v === null) return [];
  return [strval(v)];
}

function goTitle(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    // strings.Title: after ASCII other than letters, digits and '_', or after Unicode space.
    const separator = prev.charCodeAt(0) < 0x80 ? !/[A-Za-z0-9_]/.test(prev) : /\s/u.test(prev);
    out += separator ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

/** mergo.Merge (dst wins unless empty) and, with overwrite, mergo.WithOverride (non-empty src wins). */
function mergeInto(dst: GoMap, src: GoMap, overwrite: boolean): void {
  for (const [k, v] of src) {
    const cur = dst.get(k);
    if (cur instanceof Map && v instanceof Map) {
      mergeInto(cur, v, overwrite);
      continue;
    }
    const take = cur === undefined || (overwrite ? !empty(v) : empty(cur));
    if (take) dst.set(k, deepCopy(v));
  }
}

export function deepCopy(v: GoValue): GoValue {
  if (Array.isArray(v)) return v.map((x) => deepCopy(x));
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, deepCopy(x)]));
  return v;
}

function compile(pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (error: unknown) {
    throw new FuncError(
      `error parsing regexp: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Go's Regexp.Expand template: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
function expand(
  template: string,
  m: { group(g: number | string): string | null },
  names: Record<string, number>,
): string {
  return template.replace(
    /\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g,
    (_all, _x: string, braced?: string, bare?: string) => {
      if (_x === '$') return '$';
      const name = braced ?? bare ?? '';
      if (/^\d+$/.test(name)) {
        try {
          return m.group(Number(name)) ?? '';
        } catch {
          return '';
        }
      }
      return names[name] === undefined ? '' : (m.group(name) ?? '');
    },
  );
}

function replaceAll(
  pattern: string,
  s: string,
  repl: (m: ReturnType<RE2JS['matcher']>) => string,
): string {
  const re = compile(pattern);
  const m = re.matcher(s);
  let out = '';
  let last = 0;
  let searchFrom = 0;
  while (searchFrom <= s.length && m.find(searchFrom)) {
    const start = m.start();
    const end = m.end();
    out += s.slice(last, start) + repl(m);
    last = end;
    searchFrom = end === start ? end + 1 : end;
    if (end === start && start < s.length) {
      out += s.slice(start, start + 1);
      last = start + 1;
    }
  }
  return out + s.slice(last);
}

function findAll(pattern: string, s: string, n: bigint): string[] {
  const re = compile(pattern);
  const m = re.matcher(s);
  const out: string[] = [];
  let from = 0;
  while (from <= s.length && m.find(from) && (n < 0n || BigInt(out.length) < n)) {
    out.push(m.group() ?? '');
    from = m.end() === m.start() ? m.end() + 1 : m.end();
  }
  return out;
}

type Fn = FuncDef['fn'];
const d = (params: readonly ParamType[], fn: Fn, variadic?: ParamType): FuncDef =>
  variadic === undefined ? { params, fn } : { params, fn, variadic };
const s = (a: GoValue | undefined): string => (typeof a === 'string' ? a : '');
const n = (a: GoValue | undefined): bigint => (a instanceof GoInt ? a.value : 0n);

const implemented: [string, FuncDef][] = [
  // flow
  [
    'default',
    d(
      ['any'],
      ([def = null, ...given]) =>
        given.length === 0 || empty(given[0] ?? null) ? def : (given[0] ?? null),
      'any',
    ),
  ],
  ['empty', d(['any'], ([v = null]) => empty(v))],
  ['coalesce', d([], (args) => args.find((a) => !empty(a)) ?? null, 'any')],
  ['all', d([], (args) => args.every((a) => !empty(a)), 'any')],
  ['any', d([], (args) => args.some((a) => !empty(a)), 'any')],
  ['ternary', d(['any', 'any', 'bool'], ([t = null, f = null, c = false]) => (c === true ? t : f))],
  [
    'fail',
    d(['string'], ([msg]) => {
      throw new FuncError(s(msg));
    }),
  ],
  // strings
  ['upper', d(['string'], ([a]) => s(a).toUpperCase())],
  ['lower', d(['string'], ([a]) => s(a).toLowerCase())],
  ['title', d(['string'], ([a]) => goTitle(s(a)))],
  ['trim', d(['string'], ([a]) => s(a).replace(/^[\s\u0085\u00a0]+|[\s\u0085\u00a0]+$/gu, ''))],
  [
    'trimAll',
    d(['string', 'string'], ([cut, a]) => {
      const set = new Set(Array.from(s(cut)));
      const chars = Array.from(s(a));
      let i = 0;
      let j = chars.length;
      while (i < j && set.has(chars[i] ?? '')) i++;
      while (j > i && set.has(chars[j - 1] ?? '')) j--;
      return chars.slice(i, j).join('');
    }),
  ],
  [
    'trimPrefix',
    d(['string', 'string'], ([p, a]) => (s(a).startsWith(s(p)) ? s(a).slice(s(p).length) : s(a))),
  ],
  [
    'trimSuffix',
    d(['string', 'string'], ([p, a]) =>
      s(p) !== '' && s(a).endsWith(s(p)) ? s(a).slice(0, -s(p).length) : s(a),
    ),
  ],
  [
    'replace',
    d(['string', 'string', 'string'], ([o, nw, a]) =>
      s(o) === '' ? s(a) : s(a).split(s(o)).join(s(nw)),
    ),
  ],
  [
    'repeat',
    d(['int', 'string'], ([c, a]) => {
      if (n(c) < 0n) throw new FuncError('strings: negative Repeat count');
      return s(a).repeat(Number(n(c)));
    }),
  ],
  ['contains', d(['string', 'string'], ([sub, a]) => s(a).includes(s(sub)))],
  ['hasPrefix', d(['string', 'string'], ([p, a]) => s(a).startsWith(s(p)))],
  ['hasSuffix', d(['string', 'string'], ([p, a]) => s(a).endsWith(s(p)))],
  [
    'indent',
    d(['int', 'string'], ([c, a]) => {
      const pad = ' '.repeat(Math.max(0, Number(n(c))));
      return pad + s(a).split('\n').join(`\n${pad}`);
    }),
  ],
  [
    'nindent',
    d(['int', 'string'], ([c, a]) => {
      const pad = ' '.repeat(Math.max(0, Number(n(c))));
      return `\n${pad}${s(a).split('\n').join(`\n${pad}`)}`;
    }),
  ],
  [
    'trunc',
    d(['int', 'string'], ([c, a]) => {
      const str = s(a);
      const k = Number(n(c));
      const bytes = Buffer.from(str);
      if (k < 0 && bytes.length + k > 0) return bytes.subarray(bytes.length + k).toString('utf8');
      if (k >= 0 && bytes.length > k) return bytes.subarray(0, k).toString('utf8');
      return str;
    }),
  ],
  [
    'substr',
    d(['int', 'int', 'string'], ([a, b, str]) => {
      const bytes = Buffer.from(s(str));
      let start = Number(n(a));
      let end = Number(n(b));
      if (start < 0) return bytes.subarray(0, end).toString('utf8');
      if (end < 0 || end > bytes.length) end = bytes.length;
      if (start > end) start = end;
      return bytes.subarray(start, end).toString('utf8');
    }),
  ],
  ['nospace', d(['string'], ([a]) => s(a).replace(/\s/gu, ''))],
  [
    'cat',
    d(
      [],
      (args) =>
        args
          .filter((a) => a !== null)
          .map((a) => strval(a))
          .join(' '),
      'any',
    ),
  ],
  [
    'quote',
    d(
      [],
      (args) =>
        args
          .filter((a) => a !== null)
          .map((a) => formatValue(strval(a), 'q'))
          .join(' '),
      'any',
    ),
  ],
  [
    'squote',
    d(
      [],
      (args) =>
        args
          .filter((a) => a !== null)
          .map((a) => `'${strval(a)}'`)
          .join(' '),
      'any',
    ),
  ],
  ['plural', d(['string', 'string', 'int'], ([one, many, c]) => (n(c) === 1n ? s(one) : s(many)))],
  ['toString', d(['any'], ([a = null]) => strval(a))],
  ['toStrings', d(['any'], ([a = null]) => stringSlice(strslice(a)))],
  ['join', d(['string', 'any'], ([sep, v = null]) => strslice(v).join(s(sep)))],
  [
    'splitList',
    d(['string', 'string'], ([sep, a]) =>
      stringSlice(s(sep) === '' ? Array.from(s(a)) : s(a).split(s(sep))),
    ),
  ],
  ['sortAlpha', d(['any'], ([v = null]) => stringSlice(strslice(v).sort()))],
  // math
  ['add', d([], (args) => int64(args.reduce<bigint>((acc, a) => acc + toInt64(a), 0n)), 'any')],
  ['add1', d(['any'], ([a = null]) => int64(toInt64(a) + 1n))],
  ['sub', d(['any', 'any'], ([a = null, b = null]) => int64(toInt64(a) - toInt64(b)))],
  [
    'mul',
    d(
      ['any'],
      ([a = null, ...rest]) => int64(rest.reduce<bigint>((acc, x) => acc * toInt64(x), toInt64(a))),
      'any',
    ),
  ],
  [
    'div',
    d(['any', 'any'], ([a = null, b = null]) => {
      if (toInt64(b) === 0n) throw new FuncError('runtime error: integer divide by zero');
      return int64(toInt64(a) / toInt64(b));
    }),
  ],
  [
    'mod',
    d(['any', 'any'], ([a = null, b = null]) => {
      if (toInt64(b) === 0n) throw new FuncError('runtime error: integer divide by zero');
      return int64(toInt64(a) % toInt64(b));
    }),
  ],
  [
    'max',
    d(
      ['any'],
      ([a = null, ...rest]) =>
        int64(rest.reduce<bigint>((m, x) => (toInt64(x) > m ? toInt64(x) : m), toInt64(a))),
      'any',
    ),
  ],
  [
    'min',
    d(
      ['any'],
      ([a = null, ...rest]) =>
        int64(rest.reduce<bigint>((m, x) => (toInt64(x) < m ? toInt64(x) : m), toInt64(a))),
      'any',
    ),
  ],
  ['addf', d([], (args) => args.reduce<number>((acc, a) => acc + toFloat64(a), 0), 'any')],
  [
    'subf',
    d(
      ['any'],
      ([a = null, ...rest]) => rest.reduce<number>((acc, x) => acc - toFloat64(x), toFloat64(a)),
      'any',
    ),
  ],
  [
    'mulf',
    d(
      ['any'],
      ([a = null, ...rest]) => rest.reduce<number>((acc, x) => acc * toFloat64(x), toFloat64(a)),
      'any',
    ),
  ],
  [
    'divf',
    d(
      ['any'],
      ([a = null, ...rest]) => rest.reduce<number>((acc, x) => acc / toFloat64(x), toFloat64(a)),
      'any',
    ),
  ],
  ['floor', d(['any'], ([a = null]) => Math.floor(toFloat64(a)))],
  ['ceil', d(['any'], ([a = null]) => Math.ceil(toFloat64(a)))],
  ['int', d(['any'], ([a = null]) => new GoInt(toInt64(a)))],
  ['int64', d(['any'], ([a = null]) => int64(toInt64(a)))],
  ['float64', d(['any'], ([a = null]) => toFloat64(a))],
  ['atoi', d(['string'], ([a]) => new GoInt(/^[+-]?\d+$/.test(s(a)) ? BigInt(s(a)) : 0n))],
  [
    'until',
    d(['int'], ([c]) => {
      const k = Number(n(c));
      const out: GoValue[] = [];
      if (k >= 0) for (let i = 0; i < k; i++) out.push(new GoInt(i));
      else for (let i = 0; i > k; i--) out.push(new GoInt(i));
      return out;
    }),
  ],
  // lists
  ['list', d([], (args) => [...args], 'any')],
  [
    'first',
    d(['any'], ([l = null]) =>
      asList(l, 'find first').length === 0 ? null : (asList(l, 'find first')[0] ?? null),
    ),
  ],
  [
    'last',
    d(['any'], ([l = null]) => {
      const list = asList(l, 'find last');
      return list.length === 0 ? null : (list[list.length - 1] ?? null);
    }),
  ],
  [
    'rest',
    d(['any'], ([l = null]) =>
      asList(l, 'find rest').length === 0 ? null : asList(l, 'find rest').slice(1),
    ),
  ],
  [
    'initial',
    d(['any'], ([l = null]) =>
      asList(l, 'find initial').length === 0 ? null : asList(l, 'find initial').slice(0, -1),
    ),
  ],
  ['append', d(['any', 'any'], ([l = null, v = null]) => [...asList(l, 'push'), v])],
  ['prepend', d(['any', 'any'], ([l = null, v = null]) => [v, ...asList(l, 'prepend')])],
  ['concat', d([], (args) => args.flatMap((l) => asList(l, 'concat')), 'any')],
  ['reverse', d(['any'], ([l = null]) => [...asList(l, 'find reverse')].reverse())],
  [
    'uniq',
    d(['any'], ([l = null]) => {
      const out: GoValue[] = [];
      for (const x of asList(l, 'find uniq')) if (!out.some((y) => deepEqual(x, y))) out.push(x);
      return out;
    }),
  ],
  [
    'without',
    d(
      ['any'],
      ([l = null, ...omit]) =>
        asList(l, 'find without').filter((x) => !omit.some((o) => deepEqual(x, o))),
      'any',
    ),
  ],
  [
    'has',
    d(['any', 'any'], ([needle = null, hay = null]) =>
      hay === null ? false : asList(hay, 'find has').some((x) => deepEqual(x, needle)),
    ),
  ],
  [
    'slice',
    d(
      ['any'],
      ([l = null, ...idx]) => {
        if (!Array.isArray(l))
          throw new FuncError(
            `list should be type of slice or array but ${l === null ? '<nil>' : kindName(l)}`,
          );
        const start = idx[0] === undefined ? 0 : Number(toInt64(idx[0]));
        const end = idx[1] === undefined ? l.length : Number(toInt64(idx[1]));
        if (start < 0 || end > l.length || start > end)
          throw new FuncError(
            `runtime error: slice bounds out of range [${String(start)}:${String(end)}]`,
          );
        return l.slice(start, end);
      },
      'any',
    ),
  ],
  ['compact', d(['any'], ([l = null]) => asList(l, 'compact').filter((x) => !empty(x)))],
  // dicts
  [
    'dict',
    d(
      [],
      (args) => {
        const out: GoMap = new Map();
        for (let i = 0; i < args.length; i += 2)
          out.set(strval(args[i] ?? null), i + 1 < args.length ? (args[i + 1] ?? null) : '');
        return out;
      },
      'any',
    ),
  ],
  ['get', d(['map', 'string'], ([m = null, k]) => (m instanceof Map ? (m.get(s(k)) ?? '') : ''))],
  [
    'set',
    d(['map', 'string', 'any'], ([m = null, k, v = null]) => {
      if (m instanceof Map) m.set(s(k), v);
      return m;
    }),
  ],
  [
    'unset',
    d(['map', 'string'], ([m = null, k]) => {
      if (m instanceof Map) m.delete(s(k));
      return m;
    }),
  ],
  ['hasKey', d(['map', 'string'], ([m = null, k]) => m instanceof Map && m.has(s(k)))],
  [
    'pluck',
    d(
      ['string'],
      ([k, ...maps]) =>
        maps
          .filter((m): m is GoMap => m instanceof Map && m.has(s(k)))
          .map((m) => m.get(s(k)) ?? null),
      'map',
    ),
  ],
  [
    'pick',
    d(
      ['map'],
      ([m = null, ...keys]) => {
        const out: GoMap = new Map();
        if (m instanceof Map)
          for (const k of keys) if (typeof k === 'string' && m.has(k)) out.set(k, m.get(k) ?? null);
        return out;
      },
      'string',
    ),
  ],
  [
    'omit',
    d(
      ['map'],
      ([m = null, ...keys]) => {
        const out: GoMap = new Map();
        if (m instanceof Map) for (const [k, v] of m) if (!keys.includes(k)) out.set(k, v);
        return out;
      },
      'string',
    ),
  ],
  [
    'values',
    d(['map'], ([m = null]) =>
      m instanceof Map ? [...m.keys()].sort().map((k) => m.get(k) ?? null) : [],
    ),
  ],
  ['deepCopy', d(['any'], ([v = null]) => deepCopy(v))],
  [
    'merge',
    d(
      ['map'],
      ([dst = null, ...srcs]) => {
        const target = dst instanceof Map ? dst : new Map<string, GoValue>();
        for (const src of srcs) if (src instanceof Map) mergeInto(target, src, false);
        return target;
      },
      'map',
    ),
  ],
  [
    'mergeOverwrite',
    d(
      ['map'],
      ([dst = null, ...srcs]) => {
        const target = dst instanceof Map ? dst : new Map<string, GoValue>();
        for (const src of srcs) if (src instanceof Map) mergeInto(target, src, true);
        return target;
      },
      'map',
    ),
  ],
  [
    'dig',
    d(
      ['any'],
      (args) => {
        if (args.length < 3) throw new FuncError('dig needs at least three arguments');
        const dict = args[args.length - 1] ?? null;
        const def = args[args.length - 2] ?? null;
        let cur: GoValue = dict;
        for (const k of args.slice(0, -2)) {
          if (!(cur instanceof Map) || !cur.has(strval(k))) return def;
          cur = cur.get(strval(k)) ?? null;
        }
        return cur;
      },
      'any',
    ),
  ],
  // Go ranges maps in random order; sorted keys are one of the orders Helm can produce.
  [
    'keys',
    d(
      [],
      (maps) => stringSlice(maps.flatMap((m) => (m instanceof Map ? [...m.keys()] : [])).sort()),
      'map',
    ),
  ],
  // random (crypto-strong, as Sprig's goutils.CryptoRandom*)
  ['randAlphaNum', d(['int'], ([c]) => randomFrom(alnum, c))],
  ['randAlpha', d(['int'], ([c]) => randomFrom(alpha, c))],
  ['randNumeric', d(['int'], ([c]) => randomFrom('0123456789', c))],
  ['randAscii', d(['int'], ([c]) => randomFrom(ascii, c))],
  ['uuidv4', d([], () => randomUUID())],
  // encoding and hashes
  ['b64enc', d(['string'], ([a]) => Buffer.from(s(a)).toString('base64'))],
  ['b64dec', d(['string'], ([a]) => Buffer.from(s(a), 'base64').toString('utf8'))],
  ['b32enc', d(['string'], ([a]) => base32(Buffer.from(s(a))))],
  ['sha1sum', d(['string'], ([a]) => createHash('sha1').update(s(a)).digest('hex'))],
  ['sha256sum', d(['string'], ([a]) => createHash('sha256').update(s(a)).digest('hex'))],
  ['sha512sum', d(['string'], ([a]) => createHash('sha512').update(s(a)).digest('hex'))],
  ['adler32sum', d(['string'], ([a]) => String(adler32(Buffer.from(s(a)))))],
  // reflection
  ['typeOf', d(['any'], ([v = null]) => (v === null ? '<nil>' : typeName(v)))],
  ['kindOf', d(['any'], ([v = null]) => kindName(v))],
  [
    'typeIs',
    d(['string', 'any'], ([t, v = null]) => (v === null ? '<nil>' : typeName(v)) === s(t)),
  ],
  ['kindIs', d(['string', 'any'], ([k, v = null]) => kindName(v) === s(k))],
  ['deepEqual', d(['any', 'any'], ([a = null, b = null]) => deepEqual(a, b))],
  // semver
  [
    'semverCompare',
    d(['string', 'string'], ([c, v]) => {
      let constraints;
      try {
        constraints = parseConstraints(s(c));
      } catch (error: unknown) {
        throw new FuncError(error instanceof Error ? error.message : String(error));
      }
      const version = parseVersion(s(v));
      if (version === undefined) throw new FuncError('invalid semantic version');
      return constraints.check(version);
    }),
  ],
  // regex (RE2 through re2js)
  [
    'regexMatch',
    d(['string', 'string'], ([re, a]) => {
      try {
        return compile(s(re)).matcher(s(a)).find();
      } catch {
        return false;
      }
    }),
  ],
  ['mustRegexMatch', d(['string', 'string'], ([re, a]) => compile(s(re)).matcher(s(a)).find())],
  ['regexFind', d(['string', 'string'], ([re, a]) => findAll(s(re), s(a), 1n)[0] ?? '')],
  [
    'regexFindAll',
    d(['string', 'string', 'int'], ([re, a, c]) => stringSlice(findAll(s(re), s(a), n(c)))),
  ],
  [
    'regexReplaceAll',
    d(['string', 'string', 'string'], ([re, a, r]) => {
      const names = compile(s(re)).namedGroups();
      return replaceAll(s(re), s(a), (m) => expand(s(r), m, names));
    }),
  ],
  [
    'regexReplaceAllLiteral',
    d(['string', 'string', 'string'], ([re, a, r]) => replaceAll(s(re), s(a), () => s(r))),
  ],
  ['regexQuoteMeta', d(['string'], ([a]) => s(a).replace(/[\\.+*?()|[\]{}^$]/g, '\\$&'))],
  // paths
  ['base', d(['string'], ([a]) => (s(a) === '' ? '.' : posix.basename(s(a)) || '/'))],
  ['dir', d(['string'], ([a]) => posix.dirname(s(a)))],
  ['ext', d(['string'], ([a]) => posix.extname(s(a)))],
  [
    'clean',
    d(['string'], ([a]) => (s(a) === '' ? '.' : posix.normalize(s(a)).replace(/(.)\/$/, '$1'))),
  ],
  ['isAbs', d(['string'], ([a]) => s(a).startsWith('/'))],
];

const alpha = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const alnum = `${alpha}0123456789`;
const ascii = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');

function randomFrom(chars: string, count: GoValue | undefined): string {
  const k = Number(n(count));
  if (k < 0) throw new FuncError(`Count has to be greater than or equal to 0`);
  let out = '';
  for (let i = 0; i < k; i++) out += chars[randomInt(chars.length)] ?? '';
  return out;
}

function base32(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31] ?? '';
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31] ?? '';
  while (out.length % 8 !== 0) out += '=';
  return out;
}

function adler32(bytes: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Sprig functions not ported yet: using one is an error that names it. */
export const unsupportedSprig = [
  'abbrev',
  'abbrevboth',
  'ago',
  'b32dec',
  'bcrypt',
  'buildCustomCert',
  'camelcase',
  'chunk',
  'date',
  'dateInZone',
  'dateModify',
  'date_in_zone',
  'date_modify',
  'decryptAES',
  'derivePassword',
  'duration',
  'durationRound',
  'encryptAES',
  'genCA',
  'genCAWithKey',
  'genPrivateKey',
  'genSelfSignedCert',
  'genSelfSignedCertWithKey',
  'genSignedCert',
  'genSignedCertWithKey',
  'getHostByName',
  'htmlDate',
  'htmlDateInZone',
  'htpasswd',
  'initials',
  'mustAppend',
  'mustChunk',
  'mustCompact',
  'mustDateModify',
  'mustDeepCopy',
  'mustFirst',
  'mustHas',
  'mustInitial',
  'mustLast',
  'mustMerge',
  'mustMergeOverwrite',
  'mustPrepend',
  'mustPush',
  'mustRegexFind',
  'mustRegexFindAll',
  'mustRegexReplaceAll',
  'mustRegexReplaceAllLiteral',
  'mustRegexSplit',
  'mustRest',
  'mustReverse',
  'mustSlice',
  'mustToDate',
  'mustToJson',
  'mustToPrettyJson',
  'mustToRawJson',
  'mustUniq',
  'mustWithout',
  'now',
  'osBase',
  'osClean',
  'osDir',
  'osExt',
  'osIsAbs',
  'push',
  'randBytes',
  'randInt',
  'regexSplit',
  'round',
  'semver',
  'seq',
  'sha1sum_',
  'shuffle',
  'sortAlpha_',
  'split',
  'splitn',
  'swapcase',
  'toDate',
  'toDecimal',
  'toJson',
  'toPrettyJson',
  'toRawJson',
  'unixEpoch',
  'untilStep',
  'urlJoin',
  'urlParse',
  'add1f',
  'maxf',
  'minf',
  'typeIsLike',
  'sub1',
  'wrap',
  'snakecase',
  'kebabcase',
  'untitle',
  'wrapWith',
  'biggest',
  'fromJson',
  'mustFromJson',
  'dateInZone_',
  'get_',
  'hello',
  'substr_',
  'atoi_',
  'trimall',
  'upper_',
  'list_',
  'tuple',
  'sha256sum_',
].filter(
  (name) =>
    !name.endsWith('_') &&
    name !== 'toJson' &&
    name !== 'fromJson' &&
    name !== 'mustFromJson' &&
    name !== 'mustToJson' &&
    name !== 'mustToPrettyJson' &&
    name !== 'mustToRawJson' &&
    name !== 'toPrettyJson' &&
    name !== 'toRawJson',
);

/** Sprig's function map as Helm ships it, less what libs/helm adds (include, toYaml, toJson ...). */
export function sprigFuncs(): Map<string, FuncDef> {
  const map = new Map<string, FuncDef>(implemented);
  for (const name of unsupportedSprig) {
    if (map.has(name)) continue;
    map.set(
      name,
      d(
        [],
        () => {
          throw new FuncError(`function "${name}" is not supported by Tide's gotemplate yet`);
        },
        'any',
      ),
    );
  }
  return map;
}

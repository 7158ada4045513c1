/** Go's fmt: Sprintf verbs, flags, width and precision, and Sprint/Sprintln spacing. */
import type { GoTime } from './value.js';
import { GoFunc, GoInt, GoStruct, typeName, type GoValue } from './value.js';

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | null;
  precision: number | null;
}

const noSpec: Spec = {
  minus: false,
  plus: false,
  sharp: false,
  space: false,
  zero: false,
  width: null,
  precision: null,
};

/** strconv.FormatFloat(f, fmt, prec, 64) for 'e', 'f', 'g' (prec -1: shortest). */
export function formatFloat(f: number, verb: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  const neg = f < 0 || Object.is(f, -0);
  const a = Math.abs(f);
  let body: string;
  const lower = verb.toLowerCase();
  if (lower === 'f') {
    body = prec < 0 ? shortestFixed(a) : toFixedExact(a, prec).replace(/^\./, '0.');
  } else if (lower === 'e') {
    body = expForm(prec < 0 ? a.toExponential() : a.toExponential(Math.min(prec, 100)));
  } else {
    // %g: shortest digits unless a precision is given; exponent form when exp < -4 || exp >= eprec.
    let digits: string;
    let exp: number;
    if (a === 0) {
      digits = '0';
      exp = 0;
    } else {
      const e = prec < 0 ? a.toExponential() : a.toExponential(Math.max(prec, 1) - 1);
      const [mant = '', ex = '0'] = e.split('e');
      digits = mant.replace('.', '');
      exp = Number(ex);
    }
    const trimmed = digits.replace(/0+$/, '') || '0';
    let eprec = prec < 0 ? 6 : prec === 0 ? 1 : prec;
    if (prec >= 0 && eprec > trimmed.length && trimmed.length >= exp + 1) eprec = trimmed.length;
    if (exp < -4 || exp >= eprec) {
      const m = trimmed;
      const sign = exp < 0 ? '-' : '+';
      body = `${m[0] ?? '0'}${m.length > 1 ? `.${m.slice(1)}` : ''}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
    } else {
      body = fixedFromDigits(trimmed, exp);
    }
  }
  if (verb === 'E' || verb === 'G') body = body.toUpperCase();
  return neg ? `-${body}` : body;
}

function fixedFromDigits(digits: string, exp: number): string {
  if (exp < 0) return `0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return digits + '0'.repeat(exp + 1 - digits.length);
  return `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

function shortestFixed(a: number): string {
  const e = a.toExponential();
  const [mant = '', ex = '0'] = e.split('e');
  return fixedFromDigits(mant.replace('.', ''), Number(ex));
}

/** Fixed notation rounded half to even on the exact binary value, as strconv does. */
function toFixedExact(a: number, prec: number): string {
  if (a < 1e21 && prec <= 75) {
    const exact = a.toFixed(prec + 25);
    const cut = exact.length - 25;
    const kept = exact.slice(0, cut);
    const rest = exact.slice(cut);
    const digits = kept.replace('.', '');
    const lastDigit = Number(digits[digits.length - 1] ?? '0');
    const roundUp =
      rest > `5${'0'.repeat(24)}` || (rest === `5${'0'.repeat(24)}` && lastDigit % 2 === 1);
    if (!roundUp) return kept.endsWith('.') ? kept.slice(0, -1) : kept;
    const bumped = (BigInt(digits) + 1n).toString().padStart(digits.length, '0');
    const intLen = bumped.length - prec;
    return prec === 0 ? bumped : `${bumped.slice(0, intLen)}.${bumped.slice(intLen)}`;
  }
  const whole = BigInt(Math.round(a)).toString();
  return prec > 0 ? `${whole}.${'0'.repeat(prec)}` : whole;
}

function expForm(js: string): string {
  const [mant = '', ex = '0'] = js.split('e');
  const n = Number(ex);
  return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
}

/** strconv.Quote: Go's double-quoted string with Go's escapes. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c === 0x0b) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c === 0xfffd && ch !== '\ufffd') out += '\\ufffd';
    else if ((c >= 0x80 && c < 0xa0) || c === 0xad) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  if (spec.width === null || s.length >= spec.width) return s;
  const fill = spec.width - Array.from(s).length;
  if (fill <= 0) return s;
  if (spec.minus) return s + ' '.repeat(fill);
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? (s[0] ?? '') : '';
    return sign + '0'.repeat(fill) + s.slice(sign.length);
  }
  if (spec.zero && !numeric) return '0'.repeat(fill) + s;
  return ' '.repeat(fill) + s;
}

function formatInt(n: bigint, verb: string, spec: Spec): string {
  const neg = n < 0n;
  const a = neg ? -n : n;
  let digits: string;
  switch (verb) {
    case 'b':
      digits = a.toString(2);
      break;
    case 'o':
    case 'O':
      digits = a.toString(8);
      if (verb === 'O') digits = `0o${digits}`;
      else if (spec.sharp && !digits.startsWith('0')) digits = `0${digits}`;
      break;
    case 'x':
      digits = a.toString(16);
      if (spec.sharp) digits = `0x${digits}`;
      break;
    case 'X':
      digits = a.toString(16).toUpperCase();
      if (spec.sharp) digits = `0X${digits}`;
      break;
    case 'c':
      return pad(String.fromCodePoint(Number(a)), spec, false);
    case 'q':
      return pad(quoteRune(Number(a)), spec, false);
    case 'U':
      return pad(`U+${a.toString(16).toUpperCase().padStart(4, '0')}`, spec, false);
    default:
      digits = a.toString();
  }
  if (spec.precision !== null) {
    if (spec.precision === 0 && a === 0n) digits = '';
    digits = digits.padStart(spec.precision, '0');
  }
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  const zeroSpec = spec.precision !== null ? { ...spec, zero: false } : spec;
  return pad(sign + digits, zeroSpec, true);
}

function quoteRune(c: number): string {
  const ch = String.fromCodePoint(c);
  if (ch === "'") return "'\\''";
  if (ch === '"') return `'"'`;
  return `'${quote(ch).slice(1, -1)}'`;
}

function formatFloatVerb(f: number, verb: string, spec: Spec): string {
  const prec = spec.precision ?? (verb === 'v' || verb === 'g' || verb === 'G' ? -1 : 6);
  const v = verb === 'v' ? 'g' : verb === 'F' ? 'f' : verb;
  let s = formatFloat(f, v as 'e' | 'E' | 'f' | 'g' | 'G', prec);
  if (spec.plus && !s.startsWith('-')) s = `+${s}`;
  else if (spec.space && !s.startsWith('-')) s = ` ${s}`;
  return pad(s, Number.isFinite(f) ? spec : { ...spec, zero: false }, true);
}

function bad(verb: string, value: GoValue): string {
  if (value === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(value)}=${formatValue(value, 'v', noSpec)})`;
}

function formatString(s: string, verb: string, spec: Spec): string {
  let t = s;
  if (spec.precision !== null) t = Array.from(t).slice(0, spec.precision).join('');
  switch (verb) {
    case 'v':
    case 's':
      return pad(t, spec, false);
    case 'q':
      return pad(spec.sharp && !t.includes('`') ? `\`${t}\`` : quote(t), spec, false);
    case 'x':
    case 'X': {
      let hex = Buffer.from(t, 'utf8').toString('hex');
      if (verb === 'X') hex = hex.toUpperCase();
      return pad(hex, spec, false);
    }
    default:
      return bad(verb, s);
  }
}

/** Formats one operand with one verb, as fmt's printArg does. */
export function formatValue(value: GoValue, verb: string, spec: Spec = noSpec, depth = 0): string {
  if (verb === 'T') return pad(value === null ? '<nil>' : typeName(value), spec, false);
  if (value === null) {
    return verb === 'v' ? pad('<nil>', spec, false) : bad(verb, value);
  }
  if (typeof value === 'string') return formatString(value, verb, spec);
  if (typeof value === 'boolean') {
    return verb === 'v' || verb === 't' ? pad(String(value), spec, false) : bad(verb, value);
  }
  if (typeof value === 'number') {
    return 'vbeEfFgGxX'.includes(verb) && verb !== 'b' && verb !== 'x' && verb !== 'X'
      ? formatFloatVerb(value, verb, spec)
      : bad(verb, value);
  }
  if (value instanceof GoInt) {
    if (value.type === 'time.Duration' && (verb === 'v' || verb === 's'))
      return pad(formatDuration(value.value), spec, false);
    return 'vdboOxXcqU'.includes(verb)
      ? formatInt(value.value, verb === 'v' ? 'd' : verb, spec)
      : bad(verb, value);
  }
  if (value instanceof Uint8Array) {
    if (verb === 's' || verb === 'q' || verb === 'x' || verb === 'X') {
      return formatString(Buffer.from(value).toString('latin1'), verb, spec);
    }
    return `[${[...value].map((b) => formatInt(BigInt(b), verb === 'v' ? 'd' : verb, spec)).join(' ')}]`;
  }
  if (Array.isArray(value)) {
    const inner = value.map((item) => formatValue(item, verb, spec, depth + 1)).join(' ');
    return `[${inner}]`;
  }
  if (value instanceof Map) {
    const keys = [...value.keys()].sort();
    const inner = keys
      .map(
        (k) =>
          `${formatValue(k, verb, spec, depth + 1)}:${formatValue(value.get(k) ?? null, verb, spec, depth + 1)}`,
      )
      .join(' ');
    return `map[${inner}]`;
  }
  if (value instanceof GoStruct) {
    const parts = [...value.fields].map(([k, v]) =>
      verb === 'v' && spec.plus
        ? `${k}:${formatValue(v, verb, spec, depth + 1)}`
        : formatValue(v, verb, spec, depth + 1),
    );
    return `{${parts.join(' ')}}`;
  }
  if (value instanceof GoFunc) return `%!${verb}(${value.typeName})`;
  return pad(formatTimeDefault(value), spec, false);
}

/** time.Duration's String(). */
export function formatDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  if (u < 1000000000n) {
    const units: [bigint, string][] = [
      [1000000n, 'ms'],
      [1000n, 'µs'],
      [1n, 'ns'],
    ];
    const [size, name] = units.find(([s]) => u >= s) ?? [1n, 'ns'];
    out = fraction(u, size) + name;
  } else {
    const h = u / 3600000000000n;
    u -= h * 3600000000000n;
    const m = u / 60000000000n;
    u -= m * 60000000000n;
    out = `${fraction(u, 1000000000n)}s`;
    if (h > 0n) out = `${h.toString()}h${m.toString()}m${out}`;
    else if (m > 0n) out = `${m.toString()}m${out}`;
  }
  return neg ? `-${out}` : out;
}

function fraction(v: bigint, unit: bigint): string {
  const whole = v / unit;
  const rest = v % unit;
  if (rest === 0n) return whole.toString();
  const width = unit.toString().length - 1;
  return `${whole.toString()}.${rest.toString().padStart(width, '0').replace(/0+$/, '')}`;
}

/** time.Time's String(): "2006-01-02 15:04:05.999999999 -0700 MST". */
export function formatTimeDefault(t: GoTime): string {
  const d = new Date(t.epochMs + t.offsetSeconds * 1000);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const nanos = (((t.epochMs % 1000) + 1000) % 1000) * 1000000 + t.nanos;
  const frac = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  const off = Math.abs(t.offsetSeconds);
  const zone = `${t.offsetSeconds < 0 ? '-' : '+'}${p(Math.floor(off / 3600))}${p(Math.floor((off % 3600) / 60))}`;
  return `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}${frac} ${zone} ${t.zoneName}`;
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: readonly GoValue[]): string {
  let out = '';
  let argIndex = 0;
  let i = 0;
  while (i < format.length) {
    const c = format[i] ?? '';
    if (c !== '%') {
      out += c;
      i++;
      continue;
    }
    i++;
    const spec: Spec = { ...noSpec };
    for (; i < format.length; i++) {
      const f = format[i];
      if (f === '-') spec.minus = true;
      else if (f === '+') spec.plus = true;
      else if (f === '#') spec.sharp = true;
      else if (f === ' ') spec.space = true;
      else if (f === '0') spec.zero = true;
      else break;
    }
    const readNumber = (): number | null => {
      if (format[i] === '*') {
        i++;
        const arg = args[argIndex++];
        return arg instanceof GoInt ? Number(arg.value) : null;
      }
      const m = /^\d+/.exec(format.slice(i));
      if (m === null) return null;
      i += m[0].length;
      return Number(m[0]);
    };
    spec.width = readNumber();
    if (format[i] === '.') {
      i++;
      spec.precision = readNumber() ?? 0;
    }
    if (spec.minus) spec.zero = false;
    const verb = format[i] ?? '';
    i++;
    if (verb === '') {
      out += '%!(NOVERB)';
      break;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argIndex >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argIndex++] ?? null;
    out += formatValue(arg, verb, spec);
  }
  if (argIndex < args.length) {
    const extra = args
      .slice(argIndex)
      .map((a) => (a === null ? '<nil>' : `${typeName(a)}=${formatValue(a, 'v')}`))
      .join(', ');
    out += `%!(EXTRA ${extra})`;
  }
  return out;
}

/** fmt.Sprint: spaces between operands when neither is a string. */
export function sprint(args: readonly GoValue[]): string {
  let out = '';
  args.forEach((arg, i) => {
    const prev = i > 0 ? (args[i - 1] ?? null) : null;
    if (i > 0 && typeof arg !== 'string' && typeof prev !== 'string') out += ' ';
    out += formatValue(arg, 'v');
  });
  return out;
}

/** fmt.Sprintln: spaces between all operands and a newline. */
export function sprintln(args: readonly GoValue[]): string {
  return `${args.map((a) => formatValue(a, 'v')).join(' ')}\n`;
}

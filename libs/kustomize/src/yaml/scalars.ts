/**
 * Scalar typing at both ends of kustomize's pipeline: plain scalars are read with go-yaml v3's
 * resolution (YAML 1.2 core plus 1.1 octals and timestamps), and strings are quoted on output
 * when go-yaml v2 (YAML 1.1) would read them back as something other than a string.
 */
import type { Value } from '../value.js';

const v2Booleans = new Set([
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'true',
  'True',
  'TRUE',
  'false',
  'False',
  'FALSE',
  'on',
  'On',
  'ON',
  'off',
  'Off',
  'OFF',
]);
const nulls = new Set(['', '~', 'null', 'Null', 'NULL']);
const specialFloats = new Set([
  '.nan',
  '.NaN',
  '.NAN',
  '.inf',
  '.Inf',
  '.INF',
  '+.inf',
  '+.Inf',
  '+.INF',
  '-.inf',
  '-.Inf',
  '-.INF',
]);
const yamlFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const base60Float = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
/** What Go's strconv.ParseFloat accepts from a text starting with a dot (no underscores). */
const goFloat = /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/;

/**
 * True when go-yaml v2 would not read this text, unquoted, back as the same string. (`<<` is
 * printed plain: a merge key only as a key, and kustomize prints it plain as a value.)
 */
export function resolvesToNonString(text: string): boolean {
  if (nulls.has(text) || v2Booleans.has(text) || specialFloats.has(text)) {
    return true;
  }
  const first = text[0] ?? '';
  if (first === '.') return goFloat.test(text);
  if ('+-0123456789'.includes(first)) {
    if (first >= '0' && first <= '9' && parseTimestamp(text) !== undefined) return true;
    const plain = text.replaceAll('_', '');
    if (parseGoInt(plain) !== undefined) return true;
    if (yamlFloat.test(plain)) return true;
    if (/^-?0b[01]+$/.test(plain)) return true;
  }
  return base60Float.test(text);
}

/** Go's strconv.ParseInt/ParseUint with base 0 and 64 bits; undefined when they would fail. */
export function parseGoInt(text: string): bigint | undefined {
  const match = /^([-+]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/.exec(
    text,
  );
  if (match === null) return undefined;
  const sign = match[1] === '-' ? -1n : 1n;
  let digits = match[2] ?? '';
  let magnitude: bigint;
  if (/^0[oO]/.test(digits)) digits = `0o${digits.slice(2)}`;
  else if (/^0[0-7]+$/.test(digits)) digits = `0o${digits.slice(1)}`;
  try {
    magnitude = BigInt(digits);
  } catch {
    return undefined;
  }
  const value = sign * magnitude;
  const fitsSigned = value >= -(2n ** 63n) && value < 2n ** 63n;
  const fitsUnsigned = sign > 0n && value < 2n ** 64n;
  return fitsSigned || fitsUnsigned ? value : undefined;
}

/** go-yaml v3's reading of a plain (unquoted, untagged) scalar. */
export function resolvePlain(text: string): Value {
  if (nulls.has(text)) return null;
  if (text === 'true' || text === 'True' || text === 'TRUE') return true;
  if (text === 'false' || text === 'False' || text === 'FALSE') return false;
  if (specialFloats.has(text)) return specialFloat(text);
  const first = text[0] ?? '';
  if (first === '.') return goFloat.test(text) ? Number(text) : text;
  if (!'+-0123456789'.includes(first)) return text;
  if (first >= '0' && first <= '9') {
    const timestamp = parseTimestamp(text);
    if (timestamp !== undefined) return timestamp;
  }
  const plain = text.replaceAll('_', '');
  const integer = parseGoInt(plain);
  if (integer !== undefined) return integerValue(integer);
  if (yamlFloat.test(plain)) return Number(plain);
  const binary = /^(-?)0b([01]+)$/.exec(plain);
  if (binary !== null) return integerValue(BigInt(`0b${binary[2] ?? ''}`) * (binary[1] ? -1n : 1n));
  return text;
}

/** go-yaml v2's reading of a plain scalar: YAML 1.1 booleans on top of the v3 rules. */
export function resolvePlainV2(text: string): Value {
  if (v2Booleans.has(text)) return /^(y|yes|true|on)$/i.test(text);
  return resolvePlain(text);
}

function specialFloat(text: string): number {
  if (text.endsWith('nan') || text.endsWith('NaN') || text.endsWith('NAN')) return Number.NaN;
  return text.startsWith('-') ? -Infinity : Infinity;
}

function integerValue(value: bigint): number | bigint {
  const asNumber = Number(value);
  return Number.isSafeInteger(asNumber) ? asNumber : value;
}

// go-yaml v3's timestamp layouts (Go time layouts): `2006-1-2T15:4:5.999999999Z07:00` (also with
// `t`), `2006-1-2 15:4:5.999999999` (a run of spaces, no zone) and `2006-1-2`. Any other form,
// such as a zone without a colon or after a space, stays a string (established against kubectl).
const rfc3339Like =
  /^(\d{4})-(\d{1,2})-(\d{1,2})[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d+))?(Z|[-+]\d{2}:\d{2})$/;
const spaceSeparated = /^(\d{4})-(\d{1,2})-(\d{1,2}) +(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d+))?$/;
const dateOnly = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;

/**
 * A YAML timestamp as go-yaml reads it (into a Go time.Time), printed the way Go's JSON encoder
 * prints a time (RFC 3339 with nanoseconds, trailing zeros trimmed). Undefined if not a timestamp.
 */
export function parseTimestamp(text: string): string | undefined {
  const match = rfc3339Like.exec(text) ?? spaceSeparated.exec(text) ?? dateOnly.exec(text);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const numbers = [year, month, day, hour ?? '0', minute ?? '0', second ?? '0'].map(Number);
  const [y, mo, d, h, mi, s] = numbers as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59) {
    return undefined;
  }
  const two = (n: number) => String(n).padStart(2, '0');
  const nanos = (fraction ?? '').slice(0, 9).replace(/0+$/, '');
  const offset = zoneOffset(zone);
  if (offset === undefined) return undefined;
  return (
    `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(s)}` +
    `${nanos === '' ? '' : `.${nanos}`}${offset}`
  );
}

function zoneOffset(zone: string | undefined): string | undefined {
  if (zone === undefined || zone === 'Z') return 'Z';
  const match = /^([-+])(\d{1,2})(?::(\d{2}))?$/.exec(zone);
  if (match === null) return undefined;
  const hours = Number(match[2]);
  const minutes = Number(match[3] ?? '0');
  if (hours === 0 && minutes === 0) return 'Z';
  return `${match[1] ?? '+'}${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * A number as it comes out of kustomize: JSON turns integral floats into integers, and go-yaml
 * v2 prints the remaining floats with Go's shortest `%g` (exponent form from 1e+06 up).
 */
export function formatNumber(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString();
  if (Number.isInteger(value) && Math.abs(value) < 2 ** 64) {
    const integer = BigInt(value);
    if (integer >= -(2n ** 63n)) return integer.toString();
  }
  return formatGoFloat(value);
}

function formatGoFloat(value: number): string {
  const [mantissa = '0', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 6) return String(value);
  const sign = exponent < 0 ? '-' : '+';
  return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

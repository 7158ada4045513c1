/**
 * The content hash kustomize appends to generated ConfigMap and Secret names: SHA-256 of a JSON
 * encoding of kind, data and type (with an empty name, as kustomize v5 computes it), first ten
 * hex digits with the vowel-like digits mapped to consonants.
 */
import { createHash } from 'node:crypto';
import { KustomizeError } from './errors.js';
import type { Resource } from './resource.js';
import { isMap, type Value, type ValueMap } from './value.js';
import { formatNumber } from './yaml/scalars.js';

export function nameHash(resource: Resource): string {
  return encodeHash(sha256Hex(hashInput(resource)));
}

function hashInput(resource: Resource): string {
  const object = resource.object;
  const fields: ValueMap = Object.create(null) as ValueMap;
  fields.kind = resource.kind;
  fields.name = '';
  // kustomize reads a missing data field as an empty string here.
  fields.data = isMap(object.data) ? object.data : '';
  if (resource.kind === 'ConfigMap') {
    if (isMap(object.binaryData) && Object.keys(object.binaryData).length > 0) {
      fields.binaryData = object.binaryData;
    }
  } else if (resource.kind === 'Secret') {
    fields.type = typeof object.type === 'string' ? object.type : '';
  } else {
    throw new KustomizeError(`cannot hash the name of ${resource.kind} ${resource.name}`);
  }
  return goJson(fields);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const hashDigits: Readonly<Record<string, string>> = {
  '0': 'g',
  '1': 'h',
  '3': 'k',
  a: 'm',
  e: 't',
};

/** The first 40 bits of the hash, with 0, 1, 3, a and e mapped so no words can form. */
export function encodeHash(hex: string): string {
  return Array.from(hex.slice(0, 10), (c) => hashDigits[c] ?? c).join('');
}

/** Go's encoding/json: map keys sorted by bytes, HTML-safe escapes, no spaces. */
export function goJson(value: Value): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' || typeof value === 'bigint') return formatNumber(value);
  if (typeof value === 'string') return goJsonString(value);
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  const keys = Object.keys(value).sort(compareBytes);
  return `{${keys.map((key) => `${goJsonString(key)}:${goJson(value[key] as Value)}`).join(',')}}`;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function goJsonString(text: string): string {
  let out = '"';
  for (const c of text) {
    const code = c.codePointAt(0) ?? 0;
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (
      code < 0x20 ||
      c === '<' ||
      c === '>' ||
      c === '&' ||
      code === 0x2028 ||
      code === 0x2029
    ) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += c;
  }
  return `${out}"`;
}

// Turns a TypeBox schema into the structural OpenAPI v3 schema a CRD version carries. TypeBox
// emits JSON Schema; Kubernetes accepts a stricter subset, so this both translates the few
// constructs that differ and refuses the ones a structural schema cannot hold, which keeps
// every CRD we emit installable.
import type { TSchema } from 'typebox';

/** A JSON value as it appears in a CRD manifest. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type JsonObject = Record<string, JsonValue>;

/** Keywords a Kubernetes structural schema may carry (apiextensions.k8s.io/v1 JSONSchemaProps). */
const allowedKeywords = new Set([
  'type',
  'format',
  'description',
  'default',
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'nullable',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-embedded-resource',
]);

export class NonStructuralSchemaError extends Error {
  constructor(path: string, reason: string) {
    super(`schema at ${path === '' ? '<root>' : path} is not structural: ${reason}`);
    this.name = 'NonStructuralSchemaError';
  }
}

/** Converts a TypeBox schema to a structural OpenAPI v3 schema with sorted keys. */
export function toStructural(schema: TSchema): JsonObject {
  // A JSON round trip drops TypeBox's symbol-keyed bookkeeping.
  const plain = JSON.parse(JSON.stringify(schema)) as JsonObject;
  return convert(plain, '');
}

function convert(schema: JsonObject, path: string): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(schema).sort()) {
    const value = schema[key];
    if (value === undefined) continue;
    if (key.startsWith('~') || key === '$id') continue;
    if (!allowedKeywords.has(key)) throw new NonStructuralSchemaError(path, `keyword "${key}"`);
    out[key] = convertKeyword(key, value, path);
  }
  const additional = out.additionalProperties;
  // TypeBox's closed objects say `additionalProperties: false`; the API server prunes unknown
  // fields instead, and forbids the keyword beside `properties`.
  if (additional === false) delete out.additionalProperties;
  if (Array.isArray(out.required) && out.required.length === 0) delete out.required;
  if (out.properties !== undefined && out.additionalProperties !== undefined) {
    throw new NonStructuralSchemaError(path, 'both properties and additionalProperties');
  }
  checkTyped(out, path);
  return out;
}

function convertKeyword(key: string, value: JsonValue, path: string): JsonValue {
  switch (key) {
    case 'properties':
      return mapObject(value, (child, name) => convert(asObject(child, path), `${path}.${name}`));
    case 'items':
      return convert(asObject(value, path), `${path}[]`);
    case 'additionalProperties':
      return typeof value === 'boolean' ? value : convert(asObject(value, path), `${path}{}`);
    case 'required':
      return Array.isArray(value) ? [...value].sort() : value;
    default:
      return value;
  }
}

/** Every node names its type unless it is a preserved free-form value. */
function checkTyped(schema: JsonObject, path: string): void {
  if (schema.type !== undefined) return;
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) return;
  throw new NonStructuralSchemaError(path, 'no type');
}

function asObject(value: JsonValue, path: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new NonStructuralSchemaError(path, 'expected a schema object');
  }
  return value;
}

function mapObject(value: JsonValue, fn: (child: JsonValue, key: string) => JsonValue): JsonObject {
  const object = value as JsonObject;
  const out: JsonObject = {};
  for (const key of Object.keys(object).sort()) {
    const child = object[key];
    if (child !== undefined) out[key] = fn(child, key);
  }
  return out;
}

// Field builders for Kubernetes-flavoured schemas. Each returns a TypeBox schema whose JSON is
// already structural OpenAPI v3 (enums as `enum`, maps as `additionalProperties`), so the CRD
// emitter only has to strip TypeBox's bookkeeping, and whose static type is what a controller
// reads.
import Type, { type Static, type TSchema, type TString, type TUnsafe } from 'typebox';

/** Go `time.Duration` strings as Flux writes them: `30s`, `1m30s`, `1.5h`, `500ms`. */
export const durationPattern = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';

/** Timeouts: the same, without hours (Flux bounds timeouts in minutes). */
export const timeoutPattern = '^([0-9]+(\\.[0-9]+)?(ms|s|m))+$';

/** A CEL rule the API server evaluates on the object the schema sits on. */
export interface ValidationRule {
  readonly rule: string;
  readonly message: string;
  /** JSONPath-like path (relative to the object) the error is reported under. */
  readonly fieldPath?: string;
}

export interface FieldOptions {
  readonly description?: string;
}

export interface StringOptions extends FieldOptions {
  readonly default?: string;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly format?: string;
}

export function Str(options: StringOptions = {}): TString {
  return Type.String({ ...options });
}

/** An interval such as `spec.interval`: a Go duration. */
export function Duration(options: FieldOptions & { readonly default?: string } = {}): TString {
  return Type.String({ ...options, pattern: durationPattern });
}

/** A timeout such as `spec.timeout`: a Go duration of at most minutes. */
export function Timeout(options: FieldOptions & { readonly default?: string } = {}): TString {
  return Type.String({ ...options, pattern: timeoutPattern });
}

/** An RFC 3339 timestamp (metav1.Time). */
export function Time(options: FieldOptions = {}): TString {
  return Type.String({ ...options, format: 'date-time' });
}

/** One of a fixed set of strings; the static type is the union of them. */
export function StringEnum<const Values extends readonly string[]>(
  values: Values,
  options: FieldOptions & { readonly default?: Values[number] } = {},
): TUnsafe<Values[number]> {
  return Type.Unsafe<Values[number]>({ ...options, type: 'string', enum: [...values] });
}

export interface NumberOptions extends FieldOptions {
  readonly default?: number;
  readonly minimum?: number;
  readonly maximum?: number;
}

export function Int32(options: NumberOptions = {}): TUnsafe<number> {
  return Type.Unsafe<number>({ ...options, type: 'integer', format: 'int32' });
}

export function Int64(options: NumberOptions = {}): TUnsafe<number> {
  return Type.Unsafe<number>({ ...options, type: 'integer', format: 'int64' });
}

export function Bool(
  options: FieldOptions & { readonly default?: boolean } = {},
): TUnsafe<boolean> {
  return Type.Unsafe<boolean>({ ...options, type: 'boolean' });
}

/** `map[string]string`: labels, annotations, substitutions. */
export function StringMap(options: FieldOptions = {}): TUnsafe<Record<string, string>> {
  return Type.Unsafe<Record<string, string>>({
    ...options,
    type: 'object',
    additionalProperties: { type: 'string' },
  });
}

/** `map[string]T` for an object value. */
export function ObjectMap<Value extends TSchema>(
  value: Value,
  options: FieldOptions = {},
): TUnsafe<Record<string, Static<Value>>> {
  return Type.Unsafe<Record<string, Static<Value>>>({
    ...options,
    type: 'object',
    additionalProperties: value,
  });
}

/** A free-form object kept as written (Helm values, Kustomize patches). */
export function FreeFormObject(options: FieldOptions = {}): TUnsafe<Record<string, unknown>> {
  return Type.Unsafe<Record<string, unknown>>({
    ...options,
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
  });
}

/** Any JSON value kept as written (a JSON 6902 operation's `value`). */
export function AnyJson(options: FieldOptions = {}): TUnsafe {
  return Type.Unsafe<unknown>({
    ...options,
    'x-kubernetes-preserve-unknown-fields': true,
  });
}

/** The `x-kubernetes-validations` option of an object schema. */
export function rules(...list: readonly ValidationRule[]): {
  'x-kubernetes-validations': ValidationRule[];
} {
  return { 'x-kubernetes-validations': [...list] };
}

/** A CEL rule: exactly one of `fields` is set on the object. */
export function exactlyOneOf(path: string, fields: readonly string[]): ValidationRule {
  const count = fields.map((f) => `(has(self.${f}) ? 1 : 0)`).join(' + ');
  return {
    rule: `${count} == 1`,
    message: `exactly one of ${fields.map((f) => `${path}.${f}`).join(', ')} must be set`,
  };
}

/** A copy of a shared schema with its own description (e.g. which Secret a reference means). */
export function described<Schema extends TSchema>(schema: Schema, description: string): Schema {
  return { ...schema, description };
}

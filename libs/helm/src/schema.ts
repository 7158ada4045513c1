import { Ajv, type ErrorObject } from 'ajv';
import { chartName, type HelmChart } from './chart-model.js';
import { HelmError } from './errors.js';
import type { Values } from './values.js';

/**
 * `values.schema.json` checks: each chart's schema against its own coalesced values, sub-charts
 * against their scope, errors worded and ordered as Helm 4 prints them (`- at '/path': ...`).
 */

/** Values as plain JSON data for the validator (`--set` int64s become numbers). */
function toJsonData(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toJsonData);
  if (typeof value === 'object' && value !== null) {
    const result: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) {
      Object.defineProperty(result, key, {
        value: toJsonData(entry),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return result;
  }
  return value;
}

const quote = (value: unknown): string =>
  typeof value === 'string' ? `'${value}'` : JSON.stringify(value);

const jsonType = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return 'number';
  return typeof value;
};

/** One ajv error in Helm's words. */
function describe(error: ErrorObject, data: unknown): string {
  const params = error.params as Record<string, unknown>;
  const instance = error.instancePath
    .split('/')
    .slice(1)
    .reduce<unknown>(
      (at, part) =>
        typeof at === 'object' && at !== null
          ? (at as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')]
          : undefined,
      data,
    );
  switch (error.keyword) {
    case 'type':
      return `got ${jsonType(instance)}, want ${String(params.type).split(',').join(' or ')}`;
    case 'required':
      return `missing property ${quote(params.missingProperty)}`;
    case 'enum':
      return `value must be one of ${(params.allowedValues as unknown[]).map(quote).join(', ')}`;
    case 'const':
      return `value must be ${quote(params.allowedValue)}`;
    case 'pattern':
      return `${quote(instance)} does not match pattern ${quote(params.pattern)}`;
    case 'additionalProperties':
      return `additional property ${quote(params.additionalProperty)} not allowed`;
    case 'minimum':
    case 'maximum':
    case 'minLength':
    case 'maxLength':
    case 'minItems':
    case 'maxItems':
    case 'minProperties':
    case 'maxProperties': {
      const got =
        typeof instance === 'string'
          ? Array.from(instance).length
          : Array.isArray(instance)
            ? instance.length
            : typeof instance === 'object' && instance !== null
              ? Object.keys(instance).length
              : instance;
      return `${error.keyword}: got ${String(got)}, want ${String(params.limit)}`;
    }
    default:
      return error.message ?? error.keyword;
  }
}

/** Helm groups several missing (or additional) properties of one place into one line. */
function helmLines(errors: readonly ErrorObject[], data: unknown): string[] {
  const grouped = new Map<string, { keyword: string; names: string[] }>();
  const lines: { at: string; text: string }[] = [];
  for (const error of errors) {
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'required' || error.keyword === 'additionalProperties') {
      const key = `${error.instancePath}\u0000${error.keyword}`;
      const name = String(params.missingProperty ?? params.additionalProperty);
      const group = grouped.get(key) ?? { keyword: error.keyword, names: [] };
      group.names.push(name);
      grouped.set(key, group);
      continue;
    }
    lines.push({ at: error.instancePath, text: describe(error, data) });
  }
  for (const [key, group] of grouped) {
    const [at = ''] = key.split('\u0000');
    const names = group.names.map(quote).join(', ');
    const plural = group.names.length > 1;
    lines.push({
      at,
      text:
        group.keyword === 'required'
          ? `missing propert${plural ? 'ies' : 'y'} ${names}`
          : `additional propert${plural ? 'ies' : 'y'} ${names} not allowed`,
    });
  }
  return lines
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    .map((line) => `- at '${line.at}': ${line.text}\n`);
}

function validateOne(chart: HelmChart, values: Values): string {
  if (chart.schema === undefined) return '';
  let schema: unknown;
  try {
    schema = JSON.parse(chart.schema.toString('utf8'));
  } catch (error) {
    throw new HelmError(
      'InvalidChart',
      `${chartName(chart)}: values.schema.json is not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  let validate;
  try {
    validate = ajv.compile(schema as object);
  } catch (error) {
    throw new HelmError(
      'InvalidChart',
      `${chartName(chart)}: values.schema.json is not a valid JSON Schema: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const data = toJsonData(values);
  if (validate(data)) return '';
  return `${chartName(chart)}:\n${helmLines(validate.errors ?? [], data).join('')}`;
}

function collect(chart: HelmChart, values: Values): string {
  let text = validateOne(chart, values);
  for (const sub of chart.dependencies) {
    const scoped = values[chartName(sub)];
    if (typeof scoped === 'object' && scoped !== null && !Array.isArray(scoped)) {
      text += collect(sub, scoped as Values);
    }
  }
  return text;
}

/** Fails as Helm does when any chart's values break its values.schema.json. */
export function validateValuesSchemas(chart: HelmChart, values: Values): void {
  const text = collect(chart, values);
  if (text === '') return;
  throw new HelmError(
    'SchemaViolation',
    `values don't meet the specifications of the schema(s) in the following chart(s):\n${text}`,
  );
}

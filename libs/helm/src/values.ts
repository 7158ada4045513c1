import { parse, stringify } from 'yaml';
import { HelmError } from './errors.js';

export type Values = Record<string, unknown>;

/** Aliases a values file may use, as Helm's own YAML reader allows (the `yaml` default). */
const maxAliasCount = 100;

const isMap = (value: unknown): value is Values =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A map without a prototype: tenant keys such as `__proto__` and `constructor` are plain data
 * there, never the prototype's accessor or methods.
 */
export const newValues = (): Values => Object.create(null) as Values;

/** Deep-merges maps, later ones winning; lists and scalars are replaced whole, as Helm does. */
export function mergeValues(layers: readonly Values[]): Values {
  const result = newValues();
  for (const layer of layers) mergeInto(result, layer);
  return result;
}

function mergeInto(target: Values, source: Values): void {
  for (const [key, value] of Object.entries(source)) {
    const current = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isMap(current) && isMap(value)) mergeInto(current, value);
    else target[key] = isMap(value) ? mergeValues([value]) : value;
  }
}

/** Parses one values file; an empty file is an empty map. */
export function parseValues(text: string, where: string): Values {
  let document: unknown;
  try {
    document = parse(text, { maxAliasCount });
  } catch (error) {
    throw new HelmError('InvalidValues', `${where}: not valid YAML: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (document === null || document === undefined) return newValues();
  if (!isMap(document)) throw new HelmError('InvalidValues', `${where}: values must be a YAML map`);
  return document;
}

/** The merged values of several files (HelmChart `valuesFiles`), as values.yaml text. */
export function mergeValuesFiles(files: readonly { path: string; text: string }[]): string {
  return stringify(mergeValues(files.map((f) => parseValues(f.text, f.path))));
}

import { parse, stringify } from 'yaml';
import { HelmError } from './errors.js';

type Values = Record<string, unknown>;

const isMap = (value: unknown): value is Values =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Deep-merges maps, later ones winning; lists and scalars are replaced whole, as Helm does. */
export function mergeValues(layers: readonly Values[]): Values {
  const result: Values = {};
  for (const layer of layers) mergeInto(result, layer);
  return result;
}

function mergeInto(target: Values, source: Values): void {
  for (const [key, value] of Object.entries(source)) {
    const current = target[key];
    if (isMap(current) && isMap(value)) mergeInto(current, value);
    else target[key] = isMap(value) ? mergeValues([value]) : value;
  }
}

/** Parses one values file; an empty file is an empty map. */
export function parseValues(text: string, where: string): Values {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new HelmError('InvalidValues', `${where}: not valid YAML: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (document === null || document === undefined) return {};
  if (!isMap(document)) throw new HelmError('InvalidValues', `${where}: values must be a YAML map`);
  return document;
}

/** The merged values of several files (HelmChart `valuesFiles`), as values.yaml text. */
export function mergeValuesFiles(files: readonly { path: string; text: string }[]): string {
  return stringify(mergeValues(files.map((f) => parseValues(f.text, f.path))));
}

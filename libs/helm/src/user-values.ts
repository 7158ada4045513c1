import { HelmError } from './errors.js';
import { readYaml } from './chart-model.js';
import { isTable } from './coalesce.js';
import { parseSetInto, toValues } from './strvals.js';
import { newValues, type Values } from './values.js';

/** The values flags of `helm template`, applied in Helm's order. */
export interface ValueOptions {
  /** `-f`/`--values`, in order: path (for errors) and text. */
  readonly valueFiles?: readonly { readonly path: string; readonly text: string }[];
  readonly setJson?: readonly string[];
  readonly set?: readonly string[];
  readonly setString?: readonly string[];
  /** `--set-file key=path`; `readFile` gives the text of a path. */
  readonly setFile?: readonly string[];
  readonly readFile?: (path: string) => string;
}

/** Helm's mergeMaps for `-f` files: maps merge, anything else replaces. */
function mergeMaps(a: Values, b: Values): Values {
  const out = newValues();
  Object.assign(out, a);
  for (const [key, value] of Object.entries(b)) {
    const current = out[key];
    out[key] = isTable(value) && isTable(current) ? mergeMaps(current, value) : value;
  }
  return out;
}

function readValuesFile(path: string, text: string): Values {
  let document: unknown;
  try {
    document = readYaml(text);
  } catch (error) {
    throw new HelmError('InvalidValues', `failed to parse ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (document === null || document === undefined) return newValues();
  if (!isTable(document)) {
    throw new HelmError('InvalidValues', `failed to parse ${path}: values must be a map`);
  }
  return document;
}

/**
 * The user-supplied values: `-f` files merged in order, then `--set-json`, `--set`,
 * `--set-string`, `--set-file` applied on top, each in order (Helm's values.Options).
 */
export function mergeValueOptions(options: ValueOptions): Values {
  let base = newValues();
  for (const file of options.valueFiles ?? []) {
    base = mergeMaps(base, readValuesFile(file.path, file.text));
  }
  for (const value of options.setJson ?? []) {
    const trimmed = value.trim();
    if (trimmed.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = toValues(JSON.parse(trimmed));
      } catch (error) {
        throw new HelmError('InvalidValues', `failed parsing --set-json data JSON: ${value}`, {
          cause: error,
        });
      }
      if (!isTable(parsed))
        throw new HelmError('InvalidValues', `failed parsing --set-json data JSON: ${value}`);
      base = mergeMaps(base, parsed);
    } else {
      parseSetInto('set-json', value, base);
    }
  }
  for (const value of options.set ?? []) parseSetInto('set', value, base);
  for (const value of options.setString ?? []) parseSetInto('set-string', value, base);
  for (const value of options.setFile ?? [])
    parseSetInto('set-file', value, base, options.readFile);
  return base;
}

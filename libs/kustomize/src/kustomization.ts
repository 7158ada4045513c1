/**
 * The kustomization file: finding it in a directory, reading it, and refusing fields this engine
 * does not implement (so a build never silently ignores part of its input).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KustomizeError } from './errors.js';
import type { FileLoader } from './loader.js';
import { parseMapping } from './yaml/parse.js';
import { isMap, newMap, type Value, type ValueMap } from './value.js';

/** The file names kustomize looks for, in its order. */
export const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

const supportedFields = new Set([
  'apiVersion',
  'kind',
  'metadata',
  'resources',
  'bases',
  'components',
  'namespace',
  'namePrefix',
  'nameSuffix',
  'commonLabels',
  'labels',
  'commonAnnotations',
  'images',
  'replicas',
  'patches',
  'patchesStrategicMerge',
  'patchesJson6902',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
  'sortOptions',
  'replacements',
  'buildMetadata',
  'vars',
  'crds',
  'generators',
  'transformers',
  'configurations',
]);

/** Fields kustomize knows that this engine refuses with a clear error. */
const unsupportedFields = new Set([
  'openapi',
  'validators',
  'helmCharts',
  'helmGlobals',
  'helmChartInflationGenerator',
  'inventory',
  'imageTags',
]);

export type KustomizationKind = 'Kustomization' | 'Component';

export interface Kustomization {
  readonly kind: KustomizationKind;
  readonly fields: ValueMap;
  /** The file it was read from. */
  readonly path: string;
}

export function parseKustomization(text: string, path: string): Kustomization {
  // kustomize reads its own file as YAML 1.1 (sigs.k8s.io/yaml): `on` and `y` are booleans.
  const fields = canonicalFieldNames(parseMapping(text, path, 'v2'));
  for (const key of Object.keys(fields)) {
    if (unsupportedFields.has(key)) {
      throw new KustomizeError(`${path}: field "${key}" is not supported by tide's kustomize yet`);
    }
    if (!supportedFields.has(key)) {
      throw new KustomizeError(`${path}: invalid Kustomization: unknown field "${key}"`);
    }
  }
  const kind = fields.kind ?? 'Kustomization';
  if (kind !== 'Kustomization' && kind !== 'Component') {
    throw new KustomizeError(`${path}: kind must be Kustomization or Component, not ${str(kind)}`);
  }
  return { kind, fields, path };
}

const knownFieldNames = new Map(
  [...supportedFields, ...unsupportedFields].map((name) => [name.toLowerCase(), name]),
);

/**
 * kustomize decodes its file through JSON with Go's case-insensitive field matching, so
 * `nameprefix` or `NAMEPREFIX` is `namePrefix`. JSON carries the keys in sorted order, so when
 * several spellings of one field appear, the one that sorts last wins.
 */
function canonicalFieldNames(fields: ValueMap): ValueMap {
  const canonical = newMap();
  for (const key of Object.keys(fields).sort(compareBytes)) {
    const name = knownFieldNames.get(key.toLowerCase()) ?? key;
    const value = fields[key];
    if (value === undefined) continue;
    canonical[name] = value;
  }
  return canonical;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The kustomization file in a directory: exactly one of `kustomizationFileNames`, read through
 * the build's loader (so a symlinked one may not point outside the build's confinement).
 */
export function readKustomizationIn(directory: string, loader: FileLoader): Kustomization {
  requireDirectory(directory);
  const found = kustomizationFileNames.filter((name) => existsSync(join(directory, name)));
  const [name] = found;
  if (name === undefined) {
    throw new KustomizeError(
      `unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '${directory}'`,
    );
  }
  if (found.length > 1) {
    throw new KustomizeError(
      `found multiple kustomization files under: ${directory} (${found.join(', ')})`,
    );
  }
  const path = join(directory, name);
  return parseKustomization(loader.readConfined(path), path);
}

/** A kustomization given as text, read as if it were `directory/kustomization.yaml`. */
export function kustomizationFromText(directory: string, text: string): Kustomization {
  requireDirectory(directory);
  return parseKustomization(text, join(directory, 'kustomization.yaml'));
}

function requireDirectory(directory: string): void {
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new KustomizeError(`'${directory}' is not a directory`);
  }
}

function str(value: Value): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Typed accessors that name the file and field when the shape is wrong. */
export class FieldReader {
  constructor(private readonly kustomization: Kustomization) {}

  private fail(field: string, want: string): never {
    throw new KustomizeError(`${this.kustomization.path}: field "${field}" must be ${want}`);
  }

  string(field: string): string | undefined {
    const value = this.kustomization.fields[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') this.fail(field, 'a string');
    return value;
  }

  strings(field: string): string[] {
    const value = this.kustomization.fields[field];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      this.fail(field, 'a list of strings');
    }
    return value;
  }

  list(field: string): ValueMap[] {
    const value = this.kustomization.fields[field];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || !value.every((item) => isMap(item))) {
      this.fail(field, 'a list of mappings');
    }
    return value;
  }

  stringMap(field: string): Record<string, string> {
    const value = this.kustomization.fields[field];
    if (value === undefined || value === null) return {};
    return stringMapOf(value, `${this.kustomization.path}: field "${field}"`);
  }

  map(field: string): ValueMap | undefined {
    const value = this.kustomization.fields[field];
    if (value === undefined || value === null) return undefined;
    if (!isMap(value)) this.fail(field, 'a mapping');
    return value;
  }
}

/** A map of strings, such as labels or annotations. */
export function stringMapOf(value: Value, what: string): Record<string, string> {
  if (!isMap(value)) throw new KustomizeError(`${what} must be a mapping of strings`);
  const result = Object.create(null) as Record<string, string>;
  for (const key of Object.keys(value)) {
    const item = value[key];
    // kustomize decodes these into Go map[string]string: other scalars are an error there too.
    if (typeof item !== 'string') {
      throw new KustomizeError(`${what} must be a mapping of strings (key "${key}")`);
    }
    result[key] = item;
  }
  return result;
}

import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import type { KustomizationSpec } from '@tide/api';
import { KustomizeError, parseDocuments, type Value } from '@tide/kustomize';

/**
 * Preparing the directory a Kustomization builds: a kustomization file generated when the
 * path has none (as Flux does), then the spec's overlay fields written into it.
 */

/** The names kustomize looks for, in its order of preference. */
export const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

const manifestExtensions = new Set(['.yaml', '.yml', '.json']);

/** The spec fields that become fields of the top-level kustomization. */
type OverlayKeys =
  'targetNamespace' | 'namePrefix' | 'nameSuffix' | 'patches' | 'images' | 'components';
export type OverlayFields = { readonly [K in OverlayKeys]?: KustomizationSpec[K] | undefined };

/** The kustomization file in `dir`, or undefined when there is none. */
export function kustomizationFileIn(dir: string): string | undefined {
  const name = kustomizationFileNames.find((candidate) => existsSync(join(dir, candidate)));
  return name === undefined ? undefined : join(dir, name);
}

/**
 * The `resources` of a generated kustomization: every manifest file under `dir`, and every
 * subdirectory holding its own kustomization file (not descended into, kustomize builds
 * it). Files that parse but hold no Kubernetes object (a values file, say) are left out;
 * files that do not parse are kept, so the build fails naming them.
 */
export async function manifestResources(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (current: string): Promise<void> => {
    const entries = await readdir(current, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        if (kustomizationFileIn(path) === undefined) await walk(path);
        else found.push(path);
      } else if (entry.isFile() && manifestExtensions.has(extname(entry.name))) {
        if (await holdsObjects(path)) found.push(path);
      }
    }
  };
  await walk(dir);
  return found.map((path) => relative(dir, path).split(sep).join('/'));
}

async function holdsObjects(path: string): Promise<boolean> {
  let documents: Value[];
  try {
    documents = parseDocuments(await readFile(path, 'utf8'), path);
  } catch {
    return true;
  }
  return documents.some(
    (document) =>
      typeof document === 'object' &&
      document !== null &&
      !Array.isArray(document) &&
      typeof document.kind === 'string' &&
      typeof document.apiVersion === 'string',
  );
}

/** Writes `kustomization.yaml` listing every manifest under `dir`; returns its path. */
export async function generateKustomization(dir: string): Promise<string> {
  const file = join(dir, 'kustomization.yaml');
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: await manifestResources(dir),
  };
  await writeFile(file, `${JSON.stringify(kustomization, null, 2)}\n`);
  return file;
}

/**
 * Sets the spec's overlay fields on the kustomization file: `namespace`, `namePrefix` and
 * `nameSuffix` replace the file's own (the spec wins, as in Flux); `patches`, `images` and
 * `components` are added after the file's. The file is rewritten as JSON, which kustomize
 * reads as YAML.
 */
export async function applyOverlay(file: string, fields: OverlayFields): Promise<void> {
  const documents = parseDocuments(await readFile(file, 'utf8'), file, 'v2');
  const [first] = documents;
  const kustomization: Record<string, unknown> =
    first === undefined ? {} : isRecord(first) ? { ...first } : notAMap(file);
  if (fields.targetNamespace !== undefined) kustomization.namespace = fields.targetNamespace;
  if (fields.namePrefix !== undefined) kustomization.namePrefix = fields.namePrefix;
  if (fields.nameSuffix !== undefined) kustomization.nameSuffix = fields.nameSuffix;
  append(kustomization, 'patches', fields.patches);
  append(kustomization, 'images', fields.images);
  append(kustomization, 'components', fields.components);
  await writeFile(file, `${JSON.stringify(kustomization, jsonSafe, 2)}\n`);
}

/** Generates a kustomization when `dir` has none, then applies the overlay fields. */
export async function prepareKustomization(dir: string, fields: OverlayFields): Promise<void> {
  const file = kustomizationFileIn(dir) ?? (await generateKustomization(dir));
  if (Object.values(fields).every((value) => value === undefined)) return;
  await applyOverlay(file, fields);
}

function append(target: Record<string, unknown>, key: string, items: readonly unknown[] = []) {
  if (items.length === 0) return;
  const existing = target[key];
  target[key] = [...(Array.isArray(existing) ? (existing as unknown[]) : []), ...items];
}

function isRecord(value: Value): value is Record<string, Value> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function notAMap(file: string): never {
  throw new KustomizeError(`${file}: a kustomization must be a map`);
}

/** Integers beyond JavaScript's safe range are parsed as bigint; JSON takes them as numbers. */
export function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

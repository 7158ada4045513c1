import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import type { KustomizationSpec } from '@tide/api';
import { FileLoader, KustomizeError, parseDocuments, type Value } from '@tide/kustomize';

/**
 * The top-level kustomization a Kustomization builds: the path's own file, or one generated
 * when the path has none (as Flux does), with the spec's overlay fields set on it, kept in
 * memory so the extracted artifact is never written to.
 */

/** The names kustomize looks for, in its order of preference. */
export const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

const manifestExtensions = new Set(['.yaml', '.yml', '.json']);

/** The spec fields that become fields of the top-level kustomization. */
type OverlayKeys =
  | 'targetNamespace'
  | 'namePrefix'
  | 'nameSuffix'
  | 'patches'
  | 'images'
  | 'components'
  | 'patchesStrategicMerge'
  | 'patchesJson6902'
  | 'buildMetadata';
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

/** A kustomization listing every manifest under `dir` (as Flux generates one). */
export async function generatedKustomization(dir: string): Promise<Record<string, unknown>> {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: await manifestResources(dir),
  };
}

/**
 * Sets the spec's overlay fields on a kustomization: `namespace`, `namePrefix` and
 * `nameSuffix` replace its own (the spec wins, as in Flux); `patches`, `images`,
 * `components` and the legacy patch fields are added after its own, and `buildMetadata`
 * options it does not have yet (Flux 2.9's spec.buildMetadata, which kustomize reads only on
 * the top-level kustomization).
 */
export function withOverlay(
  kustomization: Readonly<Record<string, unknown>>,
  fields: OverlayFields,
): Record<string, unknown> {
  const result = { ...kustomization };
  if (fields.targetNamespace !== undefined) result.namespace = fields.targetNamespace;
  if (fields.namePrefix !== undefined) result.namePrefix = fields.namePrefix;
  if (fields.nameSuffix !== undefined) result.nameSuffix = fields.nameSuffix;
  append(result, 'patches', fields.patches);
  append(result, 'images', fields.images);
  append(result, 'components', fields.components);
  appendNew(result, 'buildMetadata', fields.buildMetadata);
  append(
    result,
    'patchesStrategicMerge',
    fields.patchesStrategicMerge?.map((patch) => JSON.stringify(patch, jsonSafe, 2)),
  );
  append(
    result,
    'patchesJson6902',
    fields.patchesJson6902?.map(({ target, patch }) => ({ target, patch: JSON.stringify(patch) })),
  );
  return result;
}

/**
 * The text of the top-level kustomization to build `dir` with: its own file (or a generated
 * one when it has none) with the overlay fields set, as JSON (which kustomize reads as
 * YAML). Undefined when the file on disk is to be used as it is. Nothing is written, so
 * `dir` may be a shared, read-only tree.
 */
export async function kustomizationText(
  dir: string,
  fields: OverlayFields,
  confinementRoot: string = dir,
): Promise<string | undefined> {
  const file = kustomizationFileIn(dir);
  const noOverlay = Object.values(fields).every((value) => value === undefined);
  if (file !== undefined && noOverlay) return undefined;
  const base =
    file === undefined
      ? await generatedKustomization(dir)
      : readKustomization(file, new FileLoader('none', confinementRoot));
  return `${JSON.stringify(withOverlay(base, fields), jsonSafe, 2)}\n`;
}

/**
 * The path's own kustomization, read through the build's loader: a symlinked file may not
 * point outside the confinement root. Its keys stay data (`__proto__` included).
 */
function readKustomization(file: string, loader: FileLoader): Record<string, unknown> {
  const [first] = parseDocuments(loader.readConfined(file), file, 'v2');
  if (first === undefined) return {};
  return isRecord(first) ? { ...first } : notAMap(file);
}

function append(target: Record<string, unknown>, key: string, items: readonly unknown[] = []) {
  if (items.length === 0) return;
  const existing = target[key];
  target[key] = [...(Array.isArray(existing) ? (existing as unknown[]) : []), ...items];
}

/** As append, leaving out what the list holds already (Flux's buildMetadata is a set). */
function appendNew(target: Record<string, unknown>, key: string, items: readonly string[] = []) {
  const existing = target[key];
  const present = new Set(Array.isArray(existing) ? (existing as unknown[]) : []);
  append(
    target,
    key,
    items.filter((item) => !present.has(item)),
  );
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

/**
 * `buildMetadata`: origin annotations (which file or generator made a resource, and from which
 * repository), transformer annotations (which transformers ran over it) and the managed-by label,
 * written as kustomize writes them.
 */
import { posix, relative } from 'node:path';
import { KustomizeError } from './errors.js';
import { FieldReader, type Kustomization } from './kustomization.js';
import type { Resource } from './resource.js';
import { isMap, newMap } from './value.js';
import { emitDocument } from './yaml/emit.js';

/** What origin and transformer annotations need to know about the build and its level. */
export interface MetadataContext {
  /** The root of the top-level kustomization; local origins are relative to it. */
  readonly root: string;
  readonly transformerAnnotations: boolean;
  /** The remote checkout the level being built came from. */
  readonly remoteSource: RemoteSource | undefined;
}

export interface RemoteSource {
  readonly checkout: string;
  readonly repo: string;
  readonly ref: string;
  /** `rootCheckoutDir` when the address named the repository root, else empty. */
  readonly base: string;
}

/**
 * The directory kustomize's origin annotations put a repository root under: kustomize
 * computes the path against a clone directory it names this, and prints it as given.
 */
export const rootCheckoutDir = 'notCloned';

const originAnnotation = 'config.kubernetes.io/origin';
export const managedByLabel = 'app.kubernetes.io/managed-by';
/** The version whose output this engine reproduces, as kustomize writes it in this label. */
export const managedByValue = 'kustomize-v5.8.1';

/**
 * `buildMetadata` of the top-level kustomization (kustomize ignores it further down):
 * `originAnnotations`, `managedByLabel` and `transformerAnnotations`.
 */
export function buildMetadataOf(kustomization: Kustomization): {
  origins: boolean;
  managedBy: boolean;
  transformers: boolean;
} {
  const value = new FieldReader(kustomization).strings('buildMetadata');
  const known = ['originAnnotations', 'managedByLabel', 'transformerAnnotations'];
  for (const option of value) {
    if (!known.includes(option)) {
      throw new KustomizeError(`${kustomization.path}: unknown buildMetadata option ${option}`);
    }
  }
  return {
    origins: value.includes('originAnnotations'),
    managedBy: value.includes('managedByLabel'),
    transformers: value.includes('transformerAnnotations'),
  };
}

export function annotateOrigin(resource: Resource, origin: string): void {
  const metadata = resource.metadata;
  const annotations = isMap(metadata.annotations) ? metadata.annotations : newMap();
  annotations[originAnnotation] = origin;
  metadata.annotations = annotations;
}

/** Where a file came from, for origin annotations: its repository when fetched. */
interface FileSource {
  readonly path: string;
  readonly repo?: string;
  readonly ref?: string;
}

/**
 * A file's path for origin annotations: relative to the top-level kustomization, or, in a
 * remote checkout, to the repository root (under `rootCheckoutDir` when the address named
 * the root itself, as kustomize prints it).
 */
export function sourceOf(context: MetadataContext, file: string): FileSource {
  const remote = context.remoteSource;
  if (remote === undefined) return { path: relative(context.root, file) };
  const path = posix.join(remote.base, relative(remote.checkout, file));
  return { path, repo: remote.repo, ref: remote.ref };
}

/** The origin annotation's text: a small YAML document, fields in kustomize's order. */
export function originText(fields: {
  path?: string;
  repo?: string;
  ref?: string;
  configuredIn?: string;
  configuredBy?: string;
}): string {
  const lines: string[] = [];
  if (fields.path !== undefined) lines.push(emitDocument({ path: fields.path }));
  if (fields.repo !== undefined) lines.push(emitDocument({ repo: fields.repo }));
  if (fields.ref !== undefined && fields.ref !== '') lines.push(emitDocument({ ref: fields.ref }));
  if (fields.configuredIn !== undefined) {
    lines.push(emitDocument({ configuredIn: fields.configuredIn }));
  }
  if (fields.configuredBy !== undefined) {
    lines.push(`configuredBy:\n  apiVersion: builtin\n  kind: ${fields.configuredBy}\n`);
  }
  return lines.join('');
}

const transformationsAnnotation = 'alpha.config.kubernetes.io/transformations';

/**
 * A `transformers:` plugin's entry in transformer annotations: `origin` is its origin text
 * (configuredIn its config's file, configuredBy the config's id), added to every resource.
 */
export function recordPluginTransformer(
  resources: readonly Resource[],
  context: MetadataContext,
  origin: string,
): void {
  if (!context.transformerAnnotations) return;
  const item = origin.replace(/\n(?=.)/g, '\n  ').replace(/^/, '- ');
  for (const resource of resources) {
    const metadata = resource.metadata;
    const annotations = isMap(metadata.annotations) ? metadata.annotations : newMap();
    const existing = annotations[transformationsAnnotation];
    annotations[transformationsAnnotation] = (typeof existing === 'string' ? existing : '') + item;
    metadata.annotations = annotations;
  }
}

/**
 * `buildMetadata: [transformerAnnotations]`: after each built-in transformer a level configures,
 * every resource of the level gets an entry naming it and the kustomization it came from,
 * whether or not it changed that resource, as kustomize does.
 */
export function recordTransformers(
  resources: readonly Resource[],
  context: MetadataContext,
  kustomizationPath: string,
  kind: string,
  count: number,
): void {
  if (!context.transformerAnnotations || count === 0) return;
  const { path: configuredIn, ...repository } = sourceOf(context, kustomizationPath);
  const item = originText({ ...repository, configuredIn, configuredBy: kind })
    .replace(/\n(?=.)/g, '\n  ')
    .replace(/^/, '- ');
  const entries = item.repeat(count);
  for (const resource of resources) {
    const metadata = resource.metadata;
    const annotations = isMap(metadata.annotations) ? metadata.annotations : newMap();
    const existing = annotations[transformationsAnnotation];
    annotations[transformationsAnnotation] =
      (typeof existing === 'string' ? existing : '') + entries;
    metadata.annotations = annotations;
  }
}

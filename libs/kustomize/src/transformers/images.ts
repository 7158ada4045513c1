/**
 * `images`: rewrites the image of every container whose image name matches, in `containers`
 * and `initContainers` lists at any depth of any kind (as kustomize's image transformer does).
 */
import { KustomizeError } from '../errors.js';
import { specMatches, walkPath, type FieldSpec } from '../field-specs.js';
import type { Resource } from '../resource.js';
import { isMap, type Value, type ValueMap } from '../value.js';

export interface ImageOverride {
  readonly name: string;
  readonly newName?: string;
  readonly newTag?: string;
  readonly digest?: string;
}

const containerLists = new Set(['containers', 'initContainers']);

export function parseImages(entries: readonly ValueMap[], origin: string): ImageOverride[] {
  return entries.map((entry) => {
    const field = (key: string): string | undefined => {
      const value = entry[key];
      if (value === undefined || value === null) return undefined;
      if (typeof value === 'number' || typeof value === 'bigint') return String(value);
      if (typeof value !== 'string') {
        throw new KustomizeError(`${origin}: images: ${key} must be a string`);
      }
      return value;
    };
    const name = field('name');
    if (name === undefined) throw new KustomizeError(`${origin}: images: every entry needs a name`);
    const override: {
      name: string;
      newName?: string;
      newTag?: string;
      digest?: string;
    } = { name };
    const newName = field('newName');
    const newTag = field('newTag');
    const digest = field('digest');
    if (newName !== undefined) override.newName = newName;
    if (newTag !== undefined) override.newTag = newTag;
    if (digest !== undefined) override.digest = digest;
    return override;
  });
}

export function setImages(
  resources: readonly Resource[],
  overrides: readonly ImageOverride[],
  specs: readonly FieldSpec[] = [],
): void {
  if (overrides.length === 0) return;
  for (const resource of resources) {
    visit(resource.object, overrides);
    // Fields `configurations` add; kustomize never creates an image field, whatever `create` says.
    for (const spec of specs) {
      if (!specMatches(spec, resource)) continue;
      walkPath(resource.object, spec.path, false, (parent, key) => {
        const image = parent[key];
        if (typeof image === 'string') parent[key] = overrideImage(image, overrides);
      });
    }
  }
}

function visit(node: Value, overrides: readonly ImageOverride[]): void {
  if (Array.isArray(node)) {
    for (const item of node) visit(item, overrides);
    return;
  }
  if (!isMap(node)) return;
  for (const key of Object.keys(node)) {
    const child = node[key] as Value;
    if (containerLists.has(key) && Array.isArray(child)) {
      for (const container of child) {
        if (isMap(container) && typeof container.image === 'string') {
          container.image = overrideImage(container.image, overrides);
        }
      }
    }
    visit(child, overrides);
  }
}

/** Splits `registry:port/name:tag@digest` into the name and the rest. */
export function splitImage(image: string): { name: string; tag: string; digest: string } {
  let rest = image;
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag = '';
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { name: rest, tag, digest };
}

export function overrideImage(image: string, overrides: readonly ImageOverride[]): string {
  const parts = splitImage(image);
  for (const override of overrides) {
    if (override.name !== parts.name) continue;
    const name = override.newName ?? parts.name;
    // A new tag or digest replaces both the old tag and the old digest.
    if (override.newTag !== undefined || override.digest !== undefined) {
      const tag = override.newTag === undefined ? '' : `:${override.newTag}`;
      const digest = override.digest === undefined ? '' : `@${override.digest}`;
      return `${name}${tag}${digest}`;
    }
    const tag = parts.tag === '' ? '' : `:${parts.tag}`;
    const digest = parts.digest === '' ? '' : `@${parts.digest}`;
    return `${name}${tag}${digest}`;
  }
  return image;
}

/**
 * `kustomize build`: load the top-level kustomization, accumulate it level by level (target.ts,
 * in pipeline.ts's order), then add hash suffixes, fix name references, resolve vars, add the
 * managed-by label and sort.
 *
 * Each level works on one ResourceIndex. Transformers are single passes over the resources they
 * concern (kind-indexed where they are kind-specific), and each patch is parsed and its target
 * compiled once, so the cost grows with resources + patches, not their product.
 */
import { resolve } from 'node:path';
import { buildMetadataOf, managedByLabel, managedByValue } from './build-metadata.js';
import { mergeCrdConfigs, type CrdConfig } from './crds.js';
import { fieldSpec } from './field-specs.js';
import { nameHash } from './hash.js';
import { kustomizationFromText, readKustomizationIn } from './kustomization.js';
import { FileLoader, type LoadRestrictor } from './loader.js';
import { fixNameReferences } from './name-references.js';
import type { RemoteCheckouts } from './remote/checkout.js';
import { ResourceIndex } from './resource-index.js';
import { sortOrderOf, sortResources } from './sort.js';
import { accumulate, type Session } from './target.js';
import { setPairs } from './transformers/labels.js';
import { resolveVars } from './transformers/vars.js';
import type { ValueMap } from './value.js';
import { emitDocuments } from './yaml/emit.js';
import { dropEmptyAnnotations } from './print.js';

export interface BuildOptions {
  /** `rootOnly` (the default) refuses files outside each kustomization's directory. */
  readonly loadRestrictor?: LoadRestrictor;
  /**
   * The top-level kustomization's text, used instead of a file in `directory` (which may then
   * have none). Lets a caller overlay fields without writing into a shared, read-only tree;
   * messages name it as `directory/kustomization.yaml`.
   */
  readonly kustomization?: string;
  /**
   * The directory the whole build must stay in (Flux: the source artifact's root): the top
   * directory, every kustomization directory, component and file, symlinks resolved, must lie
   * in or below it; remote checkouts fetched by `buildAsync` are allowed as well. Undefined:
   * no confinement, as `kustomize build` on a workstation.
   */
  readonly confinementRoot?: string;
}

export interface BuildResult {
  /** The resources in output order. */
  readonly resources: readonly ValueMap[];
  /** The YAML stream `kustomize build` prints. */
  readonly yaml: string;
}

/**
 * Builds the kustomization in `directory`, like `kustomize build directory`. Remote resources
 * need a fetch, so only `buildAsync` (with `remote: true`) builds them; here they are an error.
 */
export function build(directory: string, options: BuildOptions = {}): BuildResult {
  return buildWith(directory, options, undefined);
}

/**
 * A build whose remote resources come from `remotes`: one not fetched yet throws RemoteNeeded,
 * so the caller can fetch it and build again.
 */
export function buildWith(
  directory: string,
  options: BuildOptions,
  remotes: RemoteCheckouts | undefined,
): BuildResult {
  const loader = new FileLoader(options.loadRestrictor ?? 'rootOnly', options.confinementRoot);
  const root = resolve(directory);
  loader.realPath(root, '.');
  const top =
    options.kustomization === undefined
      ? readKustomizationIn(root, loader)
      : kustomizationFromText(root, options.kustomization);
  const index = new ResourceIndex();
  const metadata = buildMetadataOf(top);
  const session: Session = {
    visiting: new Set(),
    root,
    originAnnotations: metadata.origins,
    transformerAnnotations: metadata.transformers,
    vars: [],
    remotes,
    remoteSource: undefined,
    crds: [],
  };
  accumulate(top, root, index, loader, session);
  finish(index, mergeCrdConfigs(session.crds));
  resolveVars(index.all(), session.vars);
  if (metadata.managedBy) {
    setPairs(index.all(), { [managedByLabel]: managedByValue }, [
      fieldSpec('metadata/labels', { create: true }),
    ]);
  }
  const order = sortOrderOf(top);
  const resources = sortResources(index.all(), order).map((resource) => resource.object);
  dropEmptyAnnotations(resources);
  return { resources, yaml: emitDocuments(resources) };
}

/** The steps that run once, after every level: hash suffixes, then references. */
function finish(index: ResourceIndex, crds: CrdConfig): void {
  for (const resource of index.all()) {
    if (resource.generator?.needsHash !== true) continue;
    const before = resource.id();
    resource.rename(`${resource.name}-${nameHash(resource)}`);
    index.reindex(resource, before);
  }
  fixNameReferences(index, crds.references);
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Kustomization } from '@tide/api';
import { buildAsync } from '@tide/kustomize';
import { ownerLabelsOf } from './labels.js';
import { kustomizationText } from './overlay.js';
import {
  collectVariables,
  setCommonMetadata,
  substituteResources,
  toManifests,
  type DataReader,
} from './postbuild.js';
import type { Manifest } from '@tide/kube';

/**
 * Rendering a Kustomization: what the controller applies for it from a directory, computed
 * the same way for the reconciler and for `tide build kustomization`.
 */

/** What a render needs besides the Kustomization, its directory and its variables. */
export interface BuildOptions {
  /** An undefined variable without a default is an error. */
  readonly strictSubstitutions: boolean;
  /**
   * Fetch remote bases (`https://host/org/repo//path?ref=v1`) through Git, as Flux does unless
   * its controller runs with `--no-remote-bases`; refused with a clear error when false.
   */
  readonly remoteBases: boolean;
  /**
   * The directory no path of the build may resolve outside of (symlinks followed): the root
   * of the source artifact `dir` lies in. Default: `dir` itself, which refuses every base
   * above the Kustomization's path; a controller passes the artifact root.
   */
  readonly confinementRoot?: string;
}

export interface RenderOptions extends BuildOptions {
  /** Reads a `postBuild.substituteFrom` ConfigMap or Secret. */
  readonly readData: DataReader;
}

/**
 * Builds `dir` (the Kustomization's path in its source) with the spec's overlay fields,
 * substitutes the post-build variables, and sets common metadata and the owner labels.
 * Throws KustomizeError or SubstitutionError for a broken input.
 */
export async function renderKustomization(
  obj: Kustomization,
  dir: string,
  options: RenderOptions,
): Promise<Manifest[]> {
  const variables = await readVariables(obj, options.readData);
  return renderWithVariables(obj, dir, variables, options);
}

/**
 * The post-build variables of `spec.postBuild` (`substituteFrom` read through `readData`,
 * then `substitute`); undefined when the spec has no `postBuild`. This is the part of a
 * render that needs the cluster, so a controller reads them where its client lives.
 */
export async function readVariables(
  obj: Kustomization,
  readData: DataReader,
): Promise<Map<string, string> | undefined> {
  const postBuild = obj.spec.postBuild;
  if (postBuild === undefined) return undefined;
  return collectVariables(postBuild, readData);
}

/**
 * Whether the post-build step substitutes at all: `substituteStrategy: Always` does, the
 * default `WithVariables` only when at least one variable is defined (as Flux 2.9 does, so
 * `${...}` meant for another tool survives a Kustomization that defines no variables).
 */
export function substitutes(
  spec: Kustomization['spec'],
  variables: ReadonlyMap<string, string>,
): boolean {
  return spec.postBuild?.substituteStrategy === 'Always' || variables.size > 0;
}

/**
 * The render without the cluster: builds `dir` with the spec's overlay fields, substitutes
 * `variables` (from readVariables; undefined: no post-build step; see substitutes), and sets common metadata
 * and the owner labels. Only files (and remote bases, when allowed) are read, so it can run
 * in a worker thread. Throws KustomizeError or SubstitutionError for a broken input.
 */
export async function renderWithVariables(
  obj: Kustomization,
  dir: string,
  variables: ReadonlyMap<string, string> | undefined,
  options: BuildOptions,
): Promise<Manifest[]> {
  const spec = obj.spec;
  const confinementRoot = options.confinementRoot ?? dir;
  const text = await kustomizationText(
    dir,
    {
      targetNamespace: spec.targetNamespace,
      namePrefix: spec.namePrefix,
      nameSuffix: spec.nameSuffix,
      patches: spec.patches,
      images: spec.images,
      components:
        spec.ignoreMissingComponents === true
          ? spec.components?.filter((component) => existsSync(join(dir, component)))
          : spec.components,
      patchesStrategicMerge: spec.patchesStrategicMerge,
      patchesJson6902: spec.patchesJson6902,
      buildMetadata: spec.buildMetadata,
    },
    confinementRoot,
  );
  let { resources } = await buildAsync(dir, {
    remote: options.remoteBases,
    confinementRoot,
    ...(text === undefined ? {} : { kustomization: text }),
  });
  if (variables !== undefined && substitutes(spec, variables)) {
    resources = substituteResources(resources, variables, {
      strict: options.strictSubstitutions,
    });
  }
  const objects = toManifests(resources);
  setCommonMetadata(objects, spec.commonMetadata);
  const labels = ownerLabelsOf(obj);
  for (const object of objects) object.metadata.labels = { ...object.metadata.labels, ...labels };
  return objects;
}

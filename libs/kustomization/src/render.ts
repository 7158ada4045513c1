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

export interface RenderOptions {
  /** Reads a `postBuild.substituteFrom` ConfigMap or Secret. */
  readonly readData: DataReader;
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
    },
    confinementRoot,
  );
  let { resources } = await buildAsync(dir, {
    remote: options.remoteBases,
    confinementRoot,
    ...(text === undefined ? {} : { kustomization: text }),
  });
  if (spec.postBuild !== undefined) {
    const variables = await collectVariables(spec.postBuild, options.readData);
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

// Every kind Tide serves, in one list: the generator writes a CRD per entry.
import type { KindDefinition } from './crd.js';
import { helmReleaseDefinition } from './helm.js';
import {
  imagePolicyDefinition,
  imageRepositoryDefinition,
  imageUpdateAutomationDefinition,
} from './image.js';
import { kustomizationDefinition } from './kustomize.js';
import {
  bucketDefinition,
  gitRepositoryDefinition,
  helmChartDefinition,
  helmRepositoryDefinition,
  ociRepositoryDefinition,
} from './source.js';

export const kindDefinitions: readonly KindDefinition[] = [
  gitRepositoryDefinition,
  helmRepositoryDefinition,
  helmChartDefinition,
  ociRepositoryDefinition,
  bucketDefinition,
  kustomizationDefinition,
  helmReleaseDefinition,
  imageRepositoryDefinition,
  imagePolicyDefinition,
  imageUpdateAutomationDefinition,
];

/** The kind definition serving `apiVersion`/`kind` (any served version), if Tide serves it. */
export function servedKind(apiVersion: string, kind: string): KindDefinition | undefined {
  return kindDefinitions.find(
    (definition) =>
      definition.kind === kind &&
      definition.versions.some((version) => `${definition.group}/${version.name}` === apiVersion),
  );
}

/** `group/version` of a kind's storage version: what controllers read and write. */
export function storageApiVersion(definition: KindDefinition): string {
  return `${definition.group}/${definition.versions[0].name}`;
}

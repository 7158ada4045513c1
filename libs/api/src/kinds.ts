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

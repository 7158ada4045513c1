import { GitRepositoryGVK, HelmChartGVK, HelmRepositoryGVK } from '@tide/api';
import type { KindRef } from '@tide/kube';

/** The kinds source-controller reconciles (a GVK of @tide/api is a runtime KindRef). */
export const gitRepositoryKind: KindRef = GitRepositoryGVK;
export const helmRepositoryKind: KindRef = HelmRepositoryGVK;
export const helmChartKind: KindRef = HelmChartGVK;

/** The core kind it reads credentials from. */
export const secretKind: KindRef = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  namespaced: true,
};

import type { KindRef } from '@tide/runtime';
import { GitRepositoryGVK, HelmChartGVK, HelmRepositoryGVK } from '@tide/api';

/** The kinds source-controller reconciles, and the core kinds it reads. */
const sourceKind = (gvk: {
  group: string;
  version: string;
  kind: string;
  plural: string;
}): KindRef => ({
  group: gvk.group,
  version: gvk.version,
  kind: gvk.kind,
  plural: gvk.plural,
  namespaced: true,
});

export const gitRepositoryKind = sourceKind(GitRepositoryGVK);
export const helmRepositoryKind = sourceKind(HelmRepositoryGVK);
export const helmChartKind = sourceKind(HelmChartGVK);

export const secretKind: KindRef = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  namespaced: true,
};

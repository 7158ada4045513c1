import { BucketGVK, GitRepositoryGVK, KustomizationGVK, OCIRepositoryGVK } from '@tide/api';
import type { KindRef } from '@tide/kube';

/** The kinds kustomize-controller reconciles, the sources it reads and the core kinds it uses. */
const namespacedKind = (gvk: {
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

export const kustomizationKind = namespacedKind(KustomizationGVK);
export const gitRepositoryKind = namespacedKind(GitRepositoryGVK);
export const ociRepositoryKind = namespacedKind(OCIRepositoryGVK);
export const bucketKind = namespacedKind(BucketGVK);

/** The source kinds a Kustomization may refer to, by `spec.sourceRef.kind`. */
export const sourceKinds: ReadonlyMap<string, KindRef> = new Map([
  ['GitRepository', gitRepositoryKind],
  ['OCIRepository', ociRepositoryKind],
  ['Bucket', bucketKind],
]);

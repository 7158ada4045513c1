import type { Kustomization } from '@tide/api';

/** A tenant's Kustomization of `path` in its GitRepository, as the attack tests build it. */
export function tenantKustomization(
  path: string,
  spec: Partial<Kustomization['spec']> = {},
): Kustomization {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'tenant', namespace: 'tenant' },
    spec: {
      interval: '10m',
      prune: true,
      path,
      sourceRef: { kind: 'GitRepository', name: 'repo' },
      ...spec,
    },
  };
}

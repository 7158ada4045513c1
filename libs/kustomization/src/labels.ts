import type { Kustomization } from '@tide/api';

/** The field manager kustomize-controller applies with; `tide diff` dry-runs as it. */
export const fieldManager = 'kustomize-controller';

/** The labels that mark objects as applied by a Kustomization (Flux's names). */
export function ownerLabelsOf(obj: Kustomization): Record<string, string> {
  return {
    'kustomize.toolkit.fluxcd.io/name': obj.metadata.name ?? '',
    'kustomize.toolkit.fluxcd.io/namespace': obj.metadata.namespace ?? '',
  };
}

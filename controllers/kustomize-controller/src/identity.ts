import type { KubeConfig } from '@kubernetes/client-node';
import type { Kustomization } from '@tide/api';
import { ResourceManager, impersonatingKubeConfig } from '@tide/ssa';

/**
 * The apply managers a Kustomization's apply, prune, health and deletion run through: the
 * controller's own identity, or — with `spec.serviceAccountName` (else
 * `--default-service-account`) — one impersonating
 * `system:serviceaccount:<kustomization namespace>:<name>`, so the ServiceAccount's RBAC
 * decides what may be applied. One manager per ServiceAccount is kept, for its pooled
 * connections and discovery cache.
 */
export class ApplyIdentities {
  private readonly own: ResourceManager;
  private readonly impersonating = new Map<string, ResourceManager>();

  constructor(
    private readonly options: {
      readonly kubeConfig: KubeConfig;
      readonly fieldManager: string;
      readonly defaultServiceAccount?: string | undefined;
    },
  ) {
    this.own = new ResourceManager({
      kubeConfig: options.kubeConfig,
      fieldManager: options.fieldManager,
    });
  }

  /** The manager for `obj`'s identity. */
  for(obj: Kustomization): ResourceManager {
    const name = obj.spec.serviceAccountName ?? this.options.defaultServiceAccount;
    if (name === undefined || name === '') return this.own;
    const namespace = obj.metadata.namespace ?? '';
    const key = `${namespace}/${name}`;
    let manager = this.impersonating.get(key);
    if (manager === undefined) {
      manager = new ResourceManager({
        kubeConfig: impersonatingKubeConfig(this.options.kubeConfig, { namespace, name }),
        fieldManager: this.options.fieldManager,
      });
      this.impersonating.set(key, manager);
    }
    return manager;
  }

  /** Drops every manager's pooled connections. */
  close(): void {
    this.own.close();
    for (const manager of this.impersonating.values()) manager.close();
    this.impersonating.clear();
  }
}

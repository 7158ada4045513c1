import type { KubeConfig } from '@kubernetes/client-node';
import type { Kustomization } from '@tide/api';
import type { KubeClient } from '@tide/runtime';
import { ResourceManager, impersonatingKubeConfig } from '@tide/ssa';
import { remoteKubeConfig, type RemoteClusterPolicy } from './remote-cluster.js';

/**
 * The apply managers a Kustomization's apply, prune, health and deletion run through: the
 * controller's own identity on its own cluster, or the cluster of `spec.kubeConfig`; there,
 * with `spec.serviceAccountName` (else `--default-service-account`), one impersonating
 * `system:serviceaccount:<kustomization namespace>:<name>`, so the ServiceAccount's RBAC
 * decides what may be applied. One manager per cluster and ServiceAccount is kept, for its
 * pooled connections and discovery cache; a changed kubeconfig Secret replaces its managers.
 */
export class ApplyIdentities {
  private readonly managers = new Map<string, ResourceManager>();

  constructor(
    private readonly options: {
      readonly kubeConfig: KubeConfig;
      readonly fieldManager: string;
      readonly defaultServiceAccount?: string | undefined;
      readonly remote?: RemoteClusterPolicy;
    },
  ) {}

  /** The manager for `obj`'s cluster and identity; reads `spec.kubeConfig`'s Secret if set. */
  async for(obj: Kustomization, client: KubeClient): Promise<ResourceManager> {
    const remote = await remoteKubeConfig(
      obj,
      client,
      this.options.remote ?? { allowExec: false, allowInsecureTls: false },
    );
    const cluster = remote?.key ?? '';
    if (remote !== undefined) this.dropStale(remote.key);
    const name = obj.spec.serviceAccountName ?? this.options.defaultServiceAccount;
    const namespace = obj.metadata.namespace ?? '';
    const account = name === undefined || name === '' ? undefined : { namespace, name };
    const key = `${cluster}|${account === undefined ? '' : `${namespace}/${account.name}`}`;
    let manager = this.managers.get(key);
    if (manager === undefined) {
      const base = remote?.kubeConfig ?? this.options.kubeConfig;
      manager = new ResourceManager({
        kubeConfig: account === undefined ? base : impersonatingKubeConfig(base, account),
        fieldManager: this.options.fieldManager,
      });
      this.managers.set(key, manager);
    }
    return manager;
  }

  /** Drops every manager's pooled connections. */
  close(): void {
    for (const manager of this.managers.values()) manager.close();
    this.managers.clear();
  }

  /** Closes the managers of an earlier content of the same kubeconfig Secret. */
  private dropStale(current: string): void {
    const secret = current.slice(0, current.lastIndexOf('@') + 1);
    for (const [key, manager] of this.managers) {
      if (key.startsWith(secret) && !key.startsWith(`${current}|`)) {
        manager.close();
        this.managers.delete(key);
      }
    }
  }
}

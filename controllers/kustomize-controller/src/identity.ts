import type { Kustomization } from '@tide/api';
import { KubeClient } from '@tide/kube';
import { ResourceManager } from '@tide/ssa';
import { remoteKubeConfig, type RemoteClusterPolicy } from './remote-cluster.js';

/** The apply managers of one cluster, by ServiceAccount `ns/name` (`''`: no impersonation). */
interface ClusterManagers {
  /** The kubeconfig content they were made from; `''` for the controller's own cluster. */
  readonly digest: string;
  /** The cluster's client; impersonating views of it share its connections. */
  readonly client: KubeClient;
  /** Whether this cache made the client (a remote cluster's) and so closes it. */
  readonly owned: boolean;
  readonly byAccount: Map<string, ResourceManager>;
}

/**
 * The apply managers a Kustomization's apply, prune, health and deletion run through: the
 * controller's own identity on its own cluster, or the cluster of `spec.kubeConfig`; there,
 * with `spec.serviceAccountName` (else `--default-service-account`), one impersonating
 * `system:serviceaccount:<kustomization namespace>:<name>`, so the ServiceAccount's RBAC
 * decides what may be applied. One manager per cluster and ServiceAccount is kept, for its
 * discovery cache; the controller's own cluster uses the controller's client, so apply shares
 * its connections. A changed kubeconfig Secret replaces that cluster's managers.
 */
export class ApplyIdentities {
  /** By kubeconfig Secret (`ns/name`), `''` for the controller's own cluster. */
  private readonly clusters = new Map<string, ClusterManagers>();

  constructor(
    private readonly options: {
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
    const cluster =
      remote === undefined
        ? this.clusterFor('', '', () => client, false)
        : this.clusterFor(
            remote.secret,
            remote.digest,
            () => new KubeClient({ kubeConfig: remote.kubeConfig }),
            true,
          );
    const name = obj.spec.serviceAccountName ?? this.options.defaultServiceAccount;
    const namespace = obj.metadata.namespace ?? '';
    const account = name === undefined || name === '' ? undefined : { namespace, name };
    const key = account === undefined ? '' : `${namespace}/${account.name}`;
    let manager = cluster.byAccount.get(key);
    if (manager === undefined) {
      manager = new ResourceManager({
        client: account === undefined ? cluster.client : cluster.client.impersonating(account),
        fieldManager: this.options.fieldManager,
      });
      cluster.byAccount.set(key, manager);
    }
    return manager;
  }

  /** Closes the connections of remote clusters' clients. */
  close(): void {
    for (const cluster of this.clusters.values()) closeAll(cluster);
    this.clusters.clear();
  }

  /** The managers of a cluster; those of an earlier content of its Secret are closed. */
  private clusterFor(
    secret: string,
    digest: string,
    client: () => KubeClient,
    owned: boolean,
  ): ClusterManagers {
    const known = this.clusters.get(secret);
    if (known?.digest === digest) return known;
    if (known !== undefined) closeAll(known);
    const fresh = {
      digest,
      client: client(),
      owned,
      byAccount: new Map<string, ResourceManager>(),
    };
    this.clusters.set(secret, fresh);
    return fresh;
  }
}

function closeAll(cluster: ClusterManagers): void {
  if (cluster.owned) cluster.client.close();
}

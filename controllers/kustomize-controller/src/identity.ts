import type { Kustomization } from '@tide/api';
import { KubeClient } from '@tide/kube';
import { ResourceManager } from '@tide/ssa';
import { remoteKubeConfig, type RemoteClusterPolicy } from './remote-cluster.js';

/** How many apply managers (cluster × ServiceAccount) are kept when the caller does not say. */
export const defaultMaxApplyManagers = 64;

/** The cluster some kept managers apply to. */
interface Cluster {
  /** The kubeconfig Secret `ns/name`; `''` for the controller's own cluster. */
  readonly secret: string;
  /** The kubeconfig content it was made from; `''` for the controller's own cluster. */
  readonly digest: string;
  /** The cluster's client; impersonating views of it share its connections. */
  readonly client: KubeClient;
  /** Whether this cache made the client (a remote cluster's) and so closes it. */
  readonly owned: boolean;
  /** How many kept managers use it: the client is closed when the last one goes. */
  users: number;
}

interface Kept {
  readonly cluster: Cluster;
  readonly manager: ResourceManager;
}

/**
 * The apply managers a Kustomization's apply, prune, health and deletion run through: the
 * controller's own identity on its own cluster, or the cluster of `spec.kubeConfig`; there,
 * with `spec.serviceAccountName` (else `--default-service-account`), one impersonating
 * `system:serviceaccount:<kustomization namespace>:<name>`, so the ServiceAccount's RBAC
 * decides what may be applied. A manager per cluster and ServiceAccount is kept for its
 * discovery cache, at most `maxManagers` of them: the least recently used goes first, and a
 * remote cluster's client is closed when no kept manager uses it any more, so tenants coming
 * and going do not grow memory and connections without bound. The controller's own cluster
 * uses the controller's client, so apply shares its connections. A changed kubeconfig Secret
 * replaces that cluster's managers.
 */
export class ApplyIdentities {
  /** Clusters by kubeconfig Secret (`ns/name`), `''` for the controller's own. */
  private readonly clusters = new Map<string, Cluster>();
  /** By cluster and account; a Map keeps insertion order, so the first key is the oldest use. */
  private readonly kept = new Map<string, Kept>();
  private readonly maxManagers: number;

  constructor(
    private readonly options: {
      readonly fieldManager: string;
      readonly defaultServiceAccount?: string | undefined;
      readonly remote?: RemoteClusterPolicy;
      /** Managers kept at most; {@link defaultMaxApplyManagers} when omitted. */
      readonly maxManagers?: number;
    },
  ) {
    this.maxManagers = Math.max(1, options.maxManagers ?? defaultMaxApplyManagers);
  }

  /** How many managers are kept now. */
  get size(): number {
    return this.kept.size;
  }

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
    const key = `${cluster.secret}\u0000${account === undefined ? '' : `${namespace}/${account.name}`}`;
    const known = this.kept.get(key);
    if (known !== undefined) {
      // Most recently used goes to the end.
      this.kept.delete(key);
      this.kept.set(key, known);
      return known.manager;
    }
    const manager = new ResourceManager({
      client: account === undefined ? cluster.client : cluster.client.impersonating(account),
      fieldManager: this.options.fieldManager,
    });
    this.kept.set(key, { cluster, manager });
    cluster.users += 1;
    this.evictOverLimit();
    return manager;
  }

  /**
   * The client `spec.postBuild.substituteFrom` is read with: the ConfigMaps and Secrets live
   * in the Kustomization's namespace on this cluster, so with a ServiceAccount (its own or
   * `--default-service-account`) and no `spec.kubeConfig` the read impersonates it, and a
   * tenant cannot pull a Secret its ServiceAccount may not read into its objects. With
   * `spec.kubeConfig` the ServiceAccount lives on the remote cluster, so the controller's
   * own identity reads, as in Flux.
   */
  dataReader(obj: Kustomization, client: KubeClient): KubeClient {
    if (obj.spec.kubeConfig !== undefined) return client;
    const name = obj.spec.serviceAccountName ?? this.options.defaultServiceAccount;
    if (name === undefined || name === '') return client;
    return client.impersonating({ namespace: obj.metadata.namespace ?? '', name });
  }

  /** Closes the connections of remote clusters' clients and forgets every manager. */
  close(): void {
    for (const cluster of this.clusters.values()) closeClient(cluster);
    this.clusters.clear();
    this.kept.clear();
  }

  /** The cluster of `secret`; one made from an earlier content of the Secret is let go. */
  private clusterFor(
    secret: string,
    digest: string,
    client: () => KubeClient,
    owned: boolean,
  ): Cluster {
    const known = this.clusters.get(secret);
    if (known?.digest === digest) return known;
    if (known !== undefined) {
      for (const [key, kept] of this.kept) if (kept.cluster === known) this.forget(key);
      closeClient(known);
    }
    const fresh: Cluster = { secret, digest, client: client(), owned, users: 0 };
    this.clusters.set(secret, fresh);
    return fresh;
  }

  private evictOverLimit(): void {
    for (const key of this.kept.keys()) {
      if (this.kept.size <= this.maxManagers) return;
      this.forget(key);
    }
  }

  /** Drops one manager; its cluster's client is closed when nothing else uses it. */
  private forget(key: string): void {
    const kept = this.kept.get(key);
    if (kept === undefined) return;
    this.kept.delete(key);
    const cluster = kept.cluster;
    cluster.users -= 1;
    if (cluster.users > 0) return;
    closeClient(cluster);
    if (this.clusters.get(cluster.secret) === cluster) this.clusters.delete(cluster.secret);
  }
}

function closeClient(cluster: Cluster): void {
  if (cluster.owned) cluster.client.close();
}

import type { KubeClient } from '@tide/kube';
import { UnknownKindError } from './errors.js';
import { groupOf, isPlainObject, versionOf, type ObjectRef, apiErrorFrom } from '@tide/kube';

/** Where a kind lives in the API: its resource (plural) name and scope. */
export interface ResourceInfo {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly resource: string;
  readonly namespaced: boolean;
}

/**
 * Resolves apiVersion + kind to a resource through API discovery. Each group/version is
 * fetched once and cached; a kind missing from the cache triggers a fresh fetch of its
 * group/version, so a CRD applied a moment ago becomes resolvable without a restart.
 */
export class ResourceMapper {
  readonly #client: KubeClient;
  readonly #cache = new Map<string, Map<string, ResourceInfo>>();
  readonly #inFlight = new Map<string, Promise<Map<string, ResourceInfo>>>();

  constructor(client: KubeClient) {
    this.#client = client;
  }

  async resolve(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const cached = this.#cache.get(apiVersion)?.get(kind);
    if (cached !== undefined) return cached;
    const fresh = await this.#fetch(apiVersion);
    const info = fresh.get(kind);
    if (info === undefined)
      throw new UnknownKindError(`the cluster does not serve kind ${kind} in ${apiVersion}`);
    return info;
  }

  /** Forgets everything, e.g. after CRDs were deleted. */
  reset(): void {
    this.#cache.clear();
  }

  #fetch(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    let pending = this.#inFlight.get(apiVersion);
    if (pending === undefined) {
      pending = this.#discover(apiVersion).finally(() => this.#inFlight.delete(apiVersion));
      this.#inFlight.set(apiVersion, pending);
    }
    return pending;
  }

  async #discover(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    const group = groupOf(apiVersion);
    const version = versionOf(apiVersion);
    const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    const response = await this.#client.send(
      { method: 'GET', path },
      { action: 'discovering', subject: `API ${apiVersion}` },
    );
    if (response.status === 404) {
      this.#cache.delete(apiVersion);
      throw new UnknownKindError(`the cluster does not serve ${apiVersion}`);
    }
    if (response.status !== 200)
      throw apiErrorFrom(response.status, response.body, {
        action: 'discovering',
        subject: `API ${apiVersion}`,
      });
    const body = response.body;
    const kinds = new Map<string, ResourceInfo>();
    const resources = isPlainObject(body) && Array.isArray(body.resources) ? body.resources : [];
    for (const entry of resources) {
      if (!isPlainObject(entry) || typeof entry.name !== 'string' || typeof entry.kind !== 'string')
        continue;
      // Subresources (`deployments/status`) share the kind of their parent; skip them.
      if (entry.name.includes('/')) continue;
      kinds.set(entry.kind, {
        group,
        version,
        kind: entry.kind,
        resource: entry.name,
        namespaced: entry.namespaced === true,
      });
    }
    this.#cache.set(apiVersion, kinds);
    return kinds;
  }
}

/** The URL path of a collection (`/apis/apps/v1/namespaces/apps/deployments`). */
export function collectionPath(info: ResourceInfo, namespace: string | undefined): string {
  const base = info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
  const scope =
    info.namespaced && namespace !== undefined && namespace !== ''
      ? `/namespaces/${encodeURIComponent(namespace)}`
      : '';
  return `${base}${scope}/${info.resource}`;
}

/** The URL path of one object. */
export function objectPath(info: ResourceInfo, ref: ObjectRef): string {
  return `${collectionPath(info, ref.namespace)}/${encodeURIComponent(ref.name)}`;
}

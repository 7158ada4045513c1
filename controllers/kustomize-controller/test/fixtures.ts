import { type Kustomization, KustomizationGVK } from '@tide/api';
import { waitFor } from '@tide/harness';
import type { ReconcilableObject } from '@tide/runtime';
import type { KustomizeEnvironment } from './environment.js';
import {
  PatchType,
  configMapKind,
  isApiError,
  secretKind,
  serviceAccountKind,
  type KindRef,
} from '@tide/kube';

/** Objects and checks the integration tests share. */

export type KustomizationObject = Kustomization & ReconcilableObject;
type Spec = Kustomization['spec'];

export const deploymentKind: KindRef = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  namespaced: true,
};
export const serviceKind: KindRef = { ...configMapKind, kind: 'Service', plural: 'services' };
export { configMapKind, secretKind, serviceAccountKind };

/** A namespaced kind of rbac.authorization.k8s.io/v1 (Role, RoleBinding). */
export const rbacKind = (kind: string, plural: string): KindRef => ({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind,
  plural,
  namespaced: true,
});

export interface ConfigMapObject extends ReconcilableObject {
  data?: Record<string, string>;
}

export function kustomization(
  name: string,
  source: string,
  spec: Partial<Spec> = {},
): KustomizationObject {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name },
    spec: {
      interval: '1h',
      retryInterval: '1s',
      prune: true,
      sourceRef: { kind: 'GitRepository', name: source },
      ...spec,
    },
  };
}

export const conditionOf = (obj: KustomizationObject, type: string) =>
  obj.status?.conditions?.find((c) => c.type === type);

/** Ready=True at the current generation with `revision` applied (any revision when omitted). */
export function waitReady(
  env: KustomizeEnvironment,
  name: string,
  revision?: string,
  timeoutMs?: number,
): Promise<KustomizationObject> {
  return env.waitFor<KustomizationObject, KustomizationObject>(
    KustomizationGVK,
    name,
    (o) =>
      conditionOf(o, 'Ready')?.status === 'True' &&
      o.status?.observedGeneration === o.metadata.generation &&
      (revision === undefined || o.status?.lastAppliedRevision === revision)
        ? o
        : undefined,
    `Ready=True${revision === undefined ? '' : ` at ${revision}`}`,
    timeoutMs,
  );
}

/** Ready=False with `reason`. */
export function waitNotReady(
  env: KustomizeEnvironment,
  name: string,
  reason: string,
  timeoutMs?: number,
): Promise<KustomizationObject> {
  return env.waitFor<KustomizationObject, KustomizationObject>(
    KustomizationGVK,
    name,
    (o) => {
      const ready = conditionOf(o, 'Ready');
      return ready?.status === 'False' && ready.reason === reason ? o : undefined;
    },
    `Ready=False/${reason}`,
    timeoutMs,
  );
}

/** Asks for a reconcile now, as `flux reconcile` does. */
export async function requestReconcile(
  env: KustomizeEnvironment,
  kind: KindRef,
  name: string,
): Promise<void> {
  await env.client.patch(
    kind,
    { namespace: env.namespace, name },
    { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': new Date().toISOString() } } },
    { type: PatchType.Merge },
  );
}

/** The object, or undefined when it does not exist. */
export async function getOrUndefined<T extends ReconcilableObject>(
  env: KustomizeEnvironment,
  kind: KindRef,
  name: string,
  namespace: string = env.namespace,
): Promise<T | undefined> {
  try {
    return await env.client.get<T>(kind, namespace, name);
  } catch (error) {
    if (isApiError(error, 404)) return undefined;
    throw error;
  }
}

/** `main@sha1:<commit>`, the revision a GitRepository artifact of branch main carries. */
export const mainRevision = (commit: string) => `main@sha1:${commit}`;

/** Deletes a Kustomization and waits until its finalizer has run and it is gone. */
export async function deleteKustomization(env: KustomizeEnvironment, name: string) {
  await env.client.delete(KustomizationGVK, env.namespace, name);
  await waitFor(
    async () =>
      (await getOrUndefined(env, KustomizationGVK, name)) === undefined ? true : undefined,
    { timeoutMs: 30_000, intervalMs: 100, what: `Kustomization ${name} deleted` },
  );
}

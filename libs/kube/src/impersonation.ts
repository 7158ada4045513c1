// Only the type: the copy is made with the class of the KubeConfig given. Loading client-node
// costs about 70 MiB of memory, which processes that never talk to an API server (the build
// workers) must not pay for importing @tide/kube.
import type { KubeConfig } from '@kubernetes/client-node';

/** A ServiceAccount to act as. */
export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

/** `system:serviceaccount:<namespace>:<name>`, the user name of a ServiceAccount. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/**
 * A copy of `kubeConfig` whose current user impersonates a ServiceAccount. client-node
 * sends `Impersonate-User` for a user with `impersonateUser` (the kubeconfig's `as`); the
 * API server adds the ServiceAccount's groups itself, so no `Impersonate-Group` is needed.
 * The original KubeConfig is left as it was.
 */
export function impersonatingKubeConfig(
  kubeConfig: KubeConfig,
  serviceAccount: ServiceAccountRef,
): KubeConfig {
  const context = kubeConfig.getContextObject(kubeConfig.getCurrentContext());
  if (context === null) throw new Error('the kubeconfig has no current context');
  const impersonateUser = serviceAccountUser(serviceAccount.namespace, serviceAccount.name);
  const KubeConfigClass = kubeConfig.constructor as new () => KubeConfig;
  const copy = new KubeConfigClass();
  copy.loadFromOptions({
    clusters: kubeConfig.clusters,
    users: kubeConfig.users.map((user) =>
      user.name === context.user ? { ...user, impersonateUser } : user,
    ),
    contexts: kubeConfig.contexts,
    currentContext: kubeConfig.getCurrentContext(),
  });
  return copy;
}

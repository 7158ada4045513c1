/**
 * `namespace`: moves every namespaced resource into one namespace, along with the references to
 * namespaces kustomize keeps in step (ServiceAccount subjects, webhook and API services).
 */
import type { Resource } from '../resource.js';
import { specMatches, walkPath, type FieldSpec } from '../field-specs.js';

/**
 * The group/version/kinds kustomize's built-in schema marks cluster-scoped (established against
 * kubectl). Everything else — newer versions of these kinds and custom kinds included — is
 * treated as namespaced, as kustomize does.
 */
const clusterScoped = new Set([
  'v1 Namespace',
  'v1 Node',
  'v1 PersistentVolume',
  'v1 ComponentStatus',
  'storage.k8s.io/v1 StorageClass',
  'storage.k8s.io/v1beta1 StorageClass',
  'storage.k8s.io/v1 CSIDriver',
  'storage.k8s.io/v1beta1 CSIDriver',
  'storage.k8s.io/v1 CSINode',
  'storage.k8s.io/v1beta1 CSINode',
  'storage.k8s.io/v1 VolumeAttachment',
  'storage.k8s.io/v1beta1 VolumeAttachment',
  'apiextensions.k8s.io/v1 CustomResourceDefinition',
  'apiextensions.k8s.io/v1beta1 CustomResourceDefinition',
  'policy/v1beta1 PodSecurityPolicy',
  'rbac.authorization.k8s.io/v1 ClusterRole',
  'rbac.authorization.k8s.io/v1beta1 ClusterRole',
  'rbac.authorization.k8s.io/v1 ClusterRoleBinding',
  'rbac.authorization.k8s.io/v1beta1 ClusterRoleBinding',
  'scheduling.k8s.io/v1 PriorityClass',
  'scheduling.k8s.io/v1beta1 PriorityClass',
  'apiregistration.k8s.io/v1 APIService',
  'apiregistration.k8s.io/v1beta1 APIService',
  'certificates.k8s.io/v1 CertificateSigningRequest',
  'certificates.k8s.io/v1beta1 CertificateSigningRequest',
  'flowcontrol.apiserver.k8s.io/v1beta1 FlowSchema',
  'flowcontrol.apiserver.k8s.io/v1beta1 PriorityLevelConfiguration',
  'networking.k8s.io/v1 IngressClass',
  'networking.k8s.io/v1beta1 IngressClass',
  'node.k8s.io/v1 RuntimeClass',
  'node.k8s.io/v1beta1 RuntimeClass',
  'admissionregistration.k8s.io/v1 MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/v1beta1 MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/v1beta1 ValidatingWebhookConfiguration',
]);

export function isClusterScoped(resource: Resource): boolean {
  return clusterScoped.has(`${resource.apiVersion} ${resource.kind}`);
}

/** Which ServiceAccount subjects of (Cluster)RoleBindings move with the namespace. */
export type SubjectMode = 'defaultOnly' | 'allServiceAccounts' | 'none';

/**
 * A NamespaceTransformer plugin's settings. Its `specs` replace the default fields: kustomize
 * always sets metadata.namespace and subjects, and otherwise only what the specs name (so
 * Namespace objects are renamed, and webhook services moved, only when a spec names them).
 */
export interface NamespaceOptions {
  readonly specs: readonly FieldSpec[];
  readonly unsetOnly: boolean;
  readonly subjects: SubjectMode;
}

/** Field specs the plugin form handles by its hardcoded rules instead. */
const hardcodedPaths = new Set(['metadata/namespace', 'subjects']);

export function setNamespace(
  resources: readonly Resource[],
  namespace: string,
  options?: NamespaceOptions,
): void {
  if (options !== undefined) {
    setNamespaceWith(resources, namespace, options);
    return;
  }
  for (const resource of resources) {
    if (!isClusterScoped(resource)) resource.moveToNamespace(namespace);
    // kustomize renames Namespace objects to the namespace everything moves into.
    if (resource.kind === 'Namespace' && resource.apiVersion === 'v1') resource.rename(namespace);
    if (resource.kind === 'RoleBinding' || resource.kind === 'ClusterRoleBinding') {
      updateSubjects(resource, namespace);
    }
    if (
      resource.kind === 'ValidatingWebhookConfiguration' ||
      resource.kind === 'MutatingWebhookConfiguration'
    ) {
      setExisting(resource, ['webhooks', 'clientConfig', 'service', 'namespace'], namespace);
    }
    if (resource.kind === 'APIService') {
      walkPath(resource.object, ['spec', 'service', 'namespace'], true, (parent, key) => {
        parent[key] = namespace;
      });
    }
    if (resource.kind === 'CustomResourceDefinition') {
      const path = ['spec', 'conversion', 'webhook', 'clientConfig', 'service', 'namespace'];
      setExisting(resource, path, namespace);
    }
  }
}

function setNamespaceWith(
  resources: readonly Resource[],
  namespace: string,
  options: NamespaceOptions,
): void {
  const specs = options.specs.filter((spec) => !hardcodedPaths.has(spec.path.join('/')));
  for (const resource of resources) {
    const keep = options.unsetOnly && resource.namespace !== '';
    if (!isClusterScoped(resource) && !keep) resource.moveToNamespace(namespace);
    if (
      options.subjects !== 'none' &&
      (resource.kind === 'RoleBinding' || resource.kind === 'ClusterRoleBinding')
    ) {
      updateSubjects(
        resource,
        namespace,
        options.subjects === 'allServiceAccounts',
        options.unsetOnly,
      );
    }
    for (const spec of specs) {
      if (!specMatches(spec, resource)) continue;
      if (spec.path.join('/') === 'metadata/name') {
        resource.rename(namespace);
        continue;
      }
      walkPath(
        resource.object,
        spec.path,
        spec.create,
        (parent, key) => {
          parent[key] = namespace;
        },
        spec.lists,
      );
    }
  }
}

/** ServiceAccount subjects in the default namespace follow the resources into the new one. */
function updateSubjects(
  resource: Resource,
  namespace: string,
  all = false,
  unsetOnly = false,
): void {
  const subjects = resource.object.subjects;
  if (!Array.isArray(subjects)) return;
  for (const subject of subjects) {
    if (typeof subject !== 'object' || subject === null || Array.isArray(subject)) continue;
    if (subject.kind !== 'ServiceAccount') continue;
    const current = subject.namespace;
    const unset = current === undefined || current === null || current === '';
    if (unsetOnly && !unset) continue;
    if (
      all ||
      current === undefined ||
      current === null ||
      current === '' ||
      current === 'default'
    ) {
      subject.namespace = namespace;
    }
  }
}

function setExisting(resource: Resource, path: readonly string[], value: string): void {
  walkPath(resource.object, path, false, (parent, key) => {
    parent[key] = value;
  });
}

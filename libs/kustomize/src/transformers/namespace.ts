/**
 * `namespace`: moves every namespaced resource into one namespace, along with the references to
 * namespaces kustomize keeps in step (ServiceAccount subjects, webhook and API services).
 */
import type { Resource } from '../resource.js';
import { applyFieldSpecs, walkPath, type FieldSpec } from '../field-specs.js';

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

export function setNamespace(resources: readonly Resource[], namespace: string): void {
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

/**
 * Fields `configurations` add to `namespace`, on every resource of their kind, cluster-scoped
 * ones included, as kustomize does; metadata.namespace and binding subjects keep the rules above.
 */
export function setNamespaceFields(
  resources: readonly Resource[],
  namespace: string,
  specs: readonly FieldSpec[],
): void {
  const extra = specs.filter((spec) => {
    const path = spec.path.join('/');
    if (path === 'metadata/namespace') return false;
    return !(
      path === 'subjects' &&
      (spec.kind === 'RoleBinding' || spec.kind === 'ClusterRoleBinding')
    );
  });
  for (const resource of resources) {
    applyFieldSpecs(resource, extra, (parent, key) => {
      parent[key] = namespace;
    });
  }
}

/** ServiceAccount subjects in the default namespace follow the resources into the new one. */
function updateSubjects(resource: Resource, namespace: string): void {
  const subjects = resource.object.subjects;
  if (!Array.isArray(subjects)) return;
  for (const subject of subjects) {
    if (typeof subject !== 'object' || subject === null || Array.isArray(subject)) continue;
    if (subject.kind !== 'ServiceAccount') continue;
    const current = subject.namespace;
    if (current === undefined || current === null || current === '' || current === 'default') {
      subject.namespace = namespace;
    }
  }
}

function setExisting(resource: Resource, path: readonly string[], value: string): void {
  walkPath(resource.object, path, false, (parent, key) => {
    parent[key] = value;
  });
}

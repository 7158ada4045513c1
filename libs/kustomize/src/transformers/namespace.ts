/**
 * `namespace`: moves every namespaced resource into one namespace, along with the references to
 * namespaces kustomize keeps in step (ServiceAccount subjects, webhook and API services).
 */
import type { Resource } from '../resource.js';
import { walkPath } from '../field-specs.js';

/** Kinds that live outside namespaces; every other kind, custom ones included, is namespaced. */
export const clusterScopedKinds = new Set([
  'APIService',
  'CSIDriver',
  'CSINode',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'ClusterTrustBundle',
  'ComponentStatus',
  'CustomResourceDefinition',
  'DeviceClass',
  'FlowSchema',
  'IPAddress',
  'IngressClass',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PodSecurityPolicy',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'ResourceSlice',
  'RuntimeClass',
  'SelfSubjectAccessReview',
  'SelfSubjectRulesReview',
  'ServiceCIDR',
  'StorageClass',
  'StorageVersion',
  'SubjectAccessReview',
  'TokenReview',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
  'VolumeAttributesClass',
]);

export function isClusterScoped(resource: Resource): boolean {
  return clusterScopedKinds.has(resource.kind);
}

export function setNamespace(resources: readonly Resource[], namespace: string): void {
  for (const resource of resources) {
    if (!isClusterScoped(resource)) resource.moveToNamespace(namespace);
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
      setExisting(resource, ['spec', 'service', 'namespace'], namespace);
    }
    if (resource.kind === 'CustomResourceDefinition') {
      const path = ['spec', 'conversion', 'webhook', 'clientConfig', 'service', 'namespace'];
      setExisting(resource, path, namespace);
    }
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

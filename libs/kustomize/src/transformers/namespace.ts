/**
 * `namespace`: moves every namespaced resource into one namespace, along with the references to
 * namespaces kustomize keeps in step (ServiceAccount subjects, webhook and API services).
 */
import type { Resource } from '../resource.js';
import { applyFieldSpecs, specMatches, walkPath, type FieldSpec } from '../field-specs.js';
import { isMap, type Value, type ValueMap } from '../value.js';

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

/** How (Cluster)RoleBinding subjects follow, as kustomize's `setRoleBindingSubjects`. */
export type RoleBindingSubjectMode = 'defaultOnly' | 'allServiceAccounts' | 'none';

export interface NamespaceOptions {
  /** Only fields that are missing or empty get the namespace (kustomize's `unsetOnly`). */
  readonly unsetOnly?: boolean;
  /** Default `defaultOnly`: subjects named `default`, whatever their kind or namespace. */
  readonly roleBindingSubjects?: RoleBindingSubjectMode;
  /**
   * A NamespaceTransformer plugin's `fieldSpecs`, which replace the default fields: kustomize
   * still sets metadata.namespace and subjects by its own rules, and otherwise only what the
   * specs name (so Namespace objects are renamed, and webhook services moved, only then).
   */
  readonly specs?: readonly FieldSpec[];
}

/** Field specs the plugin form handles by its hardcoded rules instead. */
const hardcodedPaths = new Set(['metadata/namespace', 'subjects']);

export function setNamespace(
  resources: readonly Resource[],
  namespace: string,
  options: NamespaceOptions = {},
): void {
  const unsetOnly = options.unsetOnly === true;
  const subjectMode = options.roleBindingSubjects ?? 'defaultOnly';
  const setField = (parent: ValueMap, key: string): void => {
    if (unsetOnly && !isUnset(parent[key])) return;
    parent[key] = namespace;
  };
  for (const resource of resources) {
    if (!isClusterScoped(resource) && (!unsetOnly || isUnset(resource.metadata.namespace))) {
      resource.moveToNamespace(namespace);
    }
    // kustomize renames Namespace objects to the namespace everything moves into.
    if (
      resource.kind === 'Namespace' &&
      resource.apiVersion === 'v1' &&
      !unsetOnly &&
      options.specs === undefined
    ) {
      resource.rename(namespace);
    }
    if (resource.kind === 'RoleBinding' || resource.kind === 'ClusterRoleBinding') {
      updateSubjects(resource, subjectMode, setField);
    }
    if (options.specs !== undefined) {
      applyPluginSpecs(resource, options.specs, namespace, setField);
      continue;
    }
    if (
      resource.kind === 'ValidatingWebhookConfiguration' ||
      resource.kind === 'MutatingWebhookConfiguration'
    ) {
      walkPath(
        resource.object,
        ['webhooks', 'clientConfig', 'service', 'namespace'],
        false,
        setField,
      );
    }
    if (resource.kind === 'APIService') {
      walkPath(resource.object, ['spec', 'service', 'namespace'], true, setField);
    }
    if (resource.kind === 'CustomResourceDefinition') {
      const path = ['spec', 'conversion', 'webhook', 'clientConfig', 'service', 'namespace'];
      walkPath(resource.object, path, false, setField);
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

function applyPluginSpecs(
  resource: Resource,
  specs: readonly FieldSpec[],
  namespace: string,
  setField: (parent: ValueMap, key: string) => void,
): void {
  for (const spec of specs) {
    const path = spec.path.join('/');
    if (hardcodedPaths.has(path) || !specMatches(spec, resource)) continue;
    if (path === 'metadata/name') resource.rename(namespace);
    else walkPath(resource.object, spec.path, spec.create, setField, spec.lists);
  }
}

function isUnset(value: Value | undefined): boolean {
  return value === undefined || value === null || value === '';
}

/**
 * kustomize's namespace transformer looks at a subject's name, not its kind: in `defaultOnly`
 * mode every subject named `default` moves, already namespaced or not. Other ServiceAccount
 * subjects follow their ServiceAccount through name references instead.
 */
function updateSubjects(
  resource: Resource,
  mode: RoleBindingSubjectMode,
  setField: (parent: ValueMap, key: string) => void,
): void {
  const subjects = resource.object.subjects;
  if (mode === 'none' || !Array.isArray(subjects)) return;
  for (const subject of subjects) {
    if (!isMap(subject)) continue;
    const chosen =
      mode === 'defaultOnly' ? subject.name === 'default' : subject.kind === 'ServiceAccount';
    if (chosen) setField(subject, 'namespace');
  }
}

/**
 * Name references: after renames (prefix, suffix, hash suffix, patches), fields that name another
 * resource — a ConfigMap in a volume, a ServiceAccount in a pod spec or a binding, a Service in
 * an Ingress, ... — are rewritten to the referent's final name. The referent is the resource of
 * the right kind that once had the referenced name; among several, the one in the referrer's
 * namespace.
 */
import type { CrdReference } from './crds.js';
import { KustomizeError } from './errors.js';
import { walkPath } from './field-specs.js';
import type { ResourceIndex } from './resource-index.js';
import { formatId, type Resource } from './resource.js';
import { isClusterScoped } from './transformers/namespace.js';
import { isMap, type ValueMap } from './value.js';

interface Referrer {
  /** Kinds of the referring resources; empty: every kind (`configurations` without a kind). */
  readonly kinds: readonly string[];
  /** When set, the referrer's group and version must equal these. */
  readonly group?: string;
  readonly version?: string;
  /** Path of the name field inside them. */
  readonly path: readonly string[];
  /**
   * For kind-qualified references (`roleRef`, `subjects`, `scaleTargetRef`): the sibling field
   * that must name the referent's kind.
   */
  readonly kindField?: string;
}

interface ReferenceRule {
  readonly referentKind: string;
  /** Only referents of this version (rules from `crds` name one). */
  readonly referentVersion?: string;
  readonly referentGroup?: string;
  readonly referrers: readonly Referrer[];
}

/** Where each kind keeps its pod spec. */
const podSpecBase: Readonly<Record<string, string>> = {
  Pod: 'spec',
  Deployment: 'spec/template/spec',
  ReplicaSet: 'spec/template/spec',
  DaemonSet: 'spec/template/spec',
  StatefulSet: 'spec/template/spec',
  Job: 'spec/template/spec',
  ReplicationController: 'spec/template/spec',
  CronJob: 'spec/jobTemplate/spec/template/spec',
  PodTemplate: 'template/spec',
};

// kustomize's defaults differ by referent, quirks included (established against kubectl):
// ConfigMap and Secret references are followed in ReplicaSets and PodTemplates but not in
// ReplicationControllers; the other pod-spec references the other way round.
const configReferrers = [
  'Pod',
  'Deployment',
  'ReplicaSet',
  'DaemonSet',
  'StatefulSet',
  'Job',
  'CronJob',
  'PodTemplate',
];
const podReferrers = [
  'Pod',
  'Deployment',
  'DaemonSet',
  'StatefulSet',
  'Job',
  'CronJob',
  'ReplicationController',
];

/** The same relative path under the pod spec of each of the kinds. */
function inPodSpecs(kinds: readonly string[], ...relativePaths: string[]): Referrer[] {
  return kinds.flatMap((kind) =>
    relativePaths.map((path) => ({
      kinds: [kind],
      path: `${podSpecBase[kind] ?? 'spec'}/${path}`.split('/'),
    })),
  );
}

function at(kinds: readonly string[], path: string, kindField?: string): Referrer {
  const referrer = { kinds, path: path.split('/') };
  return kindField === undefined ? referrer : { ...referrer, kindField };
}

const containerLists = ['containers', 'initContainers'];

const rules: readonly ReferenceRule[] = [
  {
    referentKind: 'ConfigMap',
    referrers: [
      ...inPodSpecs(
        configReferrers,
        'volumes/configMap/name',
        'volumes/projected/sources/configMap/name',
        ...containerLists.flatMap((list) => [
          `${list}/env/valueFrom/configMapKeyRef/name`,
          `${list}/envFrom/configMapRef/name`,
        ]),
      ),
    ],
  },
  {
    referentKind: 'Secret',
    referrers: [
      ...inPodSpecs(
        configReferrers,
        'volumes/secret/secretName',
        'volumes/projected/sources/secret/name',
        'imagePullSecrets/name',
        ...containerLists.flatMap((list) => [
          `${list}/env/valueFrom/secretKeyRef/name`,
          `${list}/envFrom/secretRef/name`,
        ]),
      ),
      at(['ServiceAccount'], 'imagePullSecrets/name'),
      at(['Ingress'], 'spec/tls/secretName'),
    ],
  },
  {
    referentKind: 'Service',
    referrers: [
      at(['Ingress'], 'spec/rules/http/paths/backend/serviceName'),
      at(['Ingress'], 'spec/rules/http/paths/backend/service/name'),
      at(['Ingress'], 'spec/backend/serviceName'),
      at(['Ingress'], 'spec/defaultBackend/service/name'),
      at(['StatefulSet'], 'spec/serviceName'),
      at(['APIService'], 'spec/service/name'),
      at(
        ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'],
        'webhooks/clientConfig/service/name',
      ),
    ],
  },
  {
    referentKind: 'ServiceAccount',
    referrers: [
      ...inPodSpecs(podReferrers, 'serviceAccountName'),
      // (Cluster)RoleBinding subjects: fixSubjects, which sets their namespace too.
    ],
  },
  { referentKind: 'Role', referrers: [at(['RoleBinding'], 'roleRef/name', 'kind')] },
  {
    referentKind: 'ClusterRole',
    referrers: [at(['RoleBinding', 'ClusterRoleBinding'], 'roleRef/name', 'kind')],
  },
  {
    referentKind: 'PersistentVolumeClaim',
    referrers: inPodSpecs(podReferrers, 'volumes/persistentVolumeClaim/claimName'),
  },
  {
    referentKind: 'PersistentVolume',
    referrers: [at(['PersistentVolumeClaim'], 'spec/volumeName')],
  },
  { referentKind: 'PriorityClass', referrers: inPodSpecs(podReferrers, 'priorityClassName') },
  {
    referentKind: 'StorageClass',
    referrers: [
      at(['PersistentVolumeClaim', 'PersistentVolume'], 'spec/storageClassName'),
      at(['StatefulSet'], 'spec/volumeClaimTemplates/spec/storageClassName'),
    ],
  },
  ...['Deployment', 'ReplicaSet', 'StatefulSet', 'ReplicationController'].map((kind) => ({
    referentKind: kind,
    referrers: [at(['HorizontalPodAutoscaler'], 'spec/scaleTargetRef/name', 'kind')],
  })),
];

/** Rewrites every reference to a renamed resource, including those `crds` files declare. */
export function fixNameReferences(
  index: ResourceIndex,
  crdReferences: readonly CrdReference[] = [],
): void {
  const crdRules = crdReferences.map(crdRule);
  for (const rule of [...rules, ...crdRules]) {
    const referents = index
      .ofKind(rule.referentKind)
      .filter(
        (r) =>
          r.previousIds.length > 0 &&
          (rule.referentVersion === undefined || r.version === rule.referentVersion) &&
          (rule.referentGroup === undefined || r.group === rule.referentGroup),
      );
    if (referents.length === 0) continue;
    const byOldName = groupByOldName(referents);
    for (const referrer of rule.referrers) {
      for (const resource of referringResources(index, referrer)) {
        walkPath(resource.object, referrer.path, false, (parent, key) => {
          if (
            referrer.kindField !== undefined &&
            parent[referrer.kindField] !== rule.referentKind
          ) {
            return;
          }
          const value = parent[key];
          if (typeof value !== 'string') return;
          const candidates = byOldName.get(value);
          if (candidates === undefined) return;
          const referent = chooseReferent(candidates, resource, parent, value);
          if (referent !== undefined) parent[key] = referent.name;
        });
      }
    }
  }
  fixSubjects(index);
}

/**
 * Subjects of (Cluster)RoleBindings name a ServiceAccount and its namespace, and take both from
 * the ServiceAccount they meant, as kustomize's name reference filter does for map-shaped
 * references: the subject's namespace picks the candidates by their original namespace (or,
 * when none started there, their current one); a subject without one may mean any. Like
 * kustomize, the subject's own kind is not looked at.
 */
function fixSubjects(index: ResourceIndex): void {
  const accounts = index.ofKind('ServiceAccount').filter((r) => r.previousIds.length > 0);
  if (accounts.length === 0) return;
  for (const kind of ['RoleBinding', 'ClusterRoleBinding']) {
    for (const binding of index.ofKind(kind)) {
      const subjects = binding.object.subjects;
      if (!Array.isArray(subjects)) continue;
      for (const subject of subjects) {
        if (isMap(subject)) fixSubject(binding, subject, accounts);
      }
    }
  }
}

function fixSubject(binding: Resource, subject: ValueMap, accounts: readonly Resource[]): void {
  const name = subject.name;
  if (typeof name !== 'string') return;
  const candidates = candidatesInSubjectNamespace(subject, accounts).filter((account) =>
    account.previousIds.some((id) => id.name === name),
  );
  const referent = chooseSubjectReferent(binding, name, candidates);
  if (referent === undefined) return;
  if (referent.name === name && referent.namespace === '') return;
  subject.name = referent.name;
  // An empty namespace is a wild card here, never written over `default`.
  if (referent.namespace !== '') subject.namespace = referent.namespace;
}

function candidatesInSubjectNamespace(
  subject: ValueMap,
  accounts: readonly Resource[],
): readonly Resource[] {
  if (!('namespace' in subject)) return accounts;
  const namespace = subject.namespace;
  const wanted = typeof namespace === 'string' ? namespace : '';
  const byOriginal = accounts.filter((a) => effectiveNs(a.originalId().namespace) === wanted);
  if (byOriginal.length > 0) return byOriginal;
  return accounts.filter((a) => effectiveNs(a.namespace) === wanted);
}

function chooseSubjectReferent(
  binding: Resource,
  name: string,
  candidates: readonly Resource[],
): Resource | undefined {
  if (candidates.length <= 1) return candidates[0];
  const renamedAlike = candidates.filter(
    (candidate) =>
      sameEnding(candidate.prefixes, binding.prefixes) &&
      sameEnding(candidate.suffixes, binding.suffixes),
  );
  const [first] = renamedAlike;
  if (first === undefined) return undefined;
  if (renamedAlike.every((c) => c.name === first.name && c.namespace === first.namespace)) {
    return first;
  }
  throw new KustomizeError(
    `found multiple possible referrals for ${name} in ${formatId(binding.id())}: ` +
      renamedAlike.map((candidate) => formatId(candidate.id())).join(', '),
  );
}

function effectiveNs(namespace: string): string {
  return namespace === '' ? 'default' : namespace;
}

/** A rule from a `crds` or `configurations` name reference. */
function crdRule(reference: CrdReference): ReferenceRule {
  const { kind, group, version } = reference.referrer;
  const referrer: { kinds: string[]; path: readonly string[]; group?: string; version?: string } = {
    kinds: kind === undefined ? [] : [kind],
    path: reference.path,
  };
  if (group !== undefined) referrer.group = group;
  if (version !== undefined) referrer.version = version;
  const rule: {
    referentKind: string;
    referrers: Referrer[];
    referentVersion?: string;
    referentGroup?: string;
  } = { referentKind: reference.referentKind, referrers: [referrer] };
  if (reference.referentVersion !== undefined) rule.referentVersion = reference.referentVersion;
  if (reference.referentGroup !== undefined) rule.referentGroup = reference.referentGroup;
  return rule;
}

function referringResources(index: ResourceIndex, referrer: Referrer): Resource[] {
  const resources =
    referrer.kinds.length === 0
      ? index.all()
      : referrer.kinds.flatMap((kind) => index.ofKind(kind));
  return resources.filter(
    (resource) =>
      (referrer.group === undefined || resource.group === referrer.group) &&
      (referrer.version === undefined || resource.version === referrer.version),
  );
}

function groupByOldName(referents: readonly Resource[]): Map<string, Resource[]> {
  const map = new Map<string, Resource[]>();
  for (const referent of referents) {
    const names = new Set(referent.previousIds.map((id) => id.name));
    for (const name of names) {
      const list = map.get(name) ?? [];
      list.push(referent);
      map.set(name, list);
    }
  }
  return map;
}

/**
 * kustomize's sieve (nameref selectReferral): candidates outside the referrer's namespace drop
 * out first (cluster-scoped ones on either side pass); then, among several, those renamed like
 * the referrer. None left leaves the reference as written; several of one final name give the
 * first; several names are an error.
 */
function chooseReferent(
  candidates: readonly Resource[],
  referrer: Resource,
  field: ValueMap,
  name: string,
): Resource | undefined {
  const namespace = referenceNamespace(referrer, field);
  const named = namedNamespace(field);
  const pool = named === undefined ? candidates : inNamedNamespace(candidates, named);
  const inNamespace = isClusterScoped(referrer)
    ? pool
    : pool.filter(
        (candidate) => isClusterScoped(candidate) || sameNs(candidate.namespace, namespace),
      );
  if (inNamespace.length === 1) return inNamespace[0];
  const renamedAlike = inNamespace.filter(
    (candidate) =>
      sameEnding(candidate.prefixes, referrer.prefixes) &&
      sameEnding(candidate.suffixes, referrer.suffixes),
  );
  const first = renamedAlike[0];
  if (first === undefined || renamedAlike.every((candidate) => candidate.name === first.name)) {
    return first;
  }
  throw new KustomizeError(
    `found multiple possible referrals for ${name} in ${formatId(referrer.id())}: ` +
      renamedAlike.map((candidate) => formatId(candidate.id())).join(', '),
  );
}

/**
 * True when the shorter list is the tail of the longer one; an empty list only matches an
 * empty one, as in kustomize.
 */
function sameEnding(a: readonly string[], b: readonly string[]): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length === 0) return long.length === 0;
  const offset = long.length - short.length;
  return short.every((item, index) => long[offset + index] === item);
}

function namedNamespace(field: ValueMap): string | undefined {
  return typeof field.namespace === 'string' && 'kind' in field ? field.namespace : undefined;
}

/** A subject's namespace names the candidates' original namespace, or failing that, current. */
function inNamedNamespace(candidates: readonly Resource[], namespace: string): Resource[] {
  const original = candidates.filter((candidate) => candidate.originalId().namespace === namespace);
  if (original.length > 0) return original;
  return candidates.filter((candidate) => candidate.namespace === namespace);
}

/** Subjects carry their own namespace; other references point into the referrer's. */
function referenceNamespace(referrer: Resource, field: ValueMap): string {
  if (isMap(field) && typeof field.namespace === 'string' && 'kind' in field)
    return field.namespace;
  return referrer.namespace;
}

function sameNs(a: string, b: string): boolean {
  return (a === '' ? 'default' : a) === (b === '' ? 'default' : b);
}

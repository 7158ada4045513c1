/**
 * Output order. `legacy` (the default) puts kinds a cluster needs first (namespaces, CRDs,
 * RBAC, config) at the top and webhooks at the end; everything else sits between, ordered by
 * group, version and kind, then namespace and name. `fifo` keeps the order resources were loaded.
 */
import type { Resource } from './resource.js';

const orderFirst = [
  'Namespace',
  'ResourceQuota',
  'StorageClass',
  'CustomResourceDefinition',
  'ServiceAccount',
  'PodSecurityPolicy',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'Endpoints',
  'Service',
  'LimitRange',
  'PriorityClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
];
const orderLast = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

function ranks(first: readonly string[], last: readonly string[]): Map<string, number> {
  return new Map<string, number>([
    ...first.map((kind, index): [string, number] => [kind, index - first.length]),
    ...last.map((kind, index): [string, number] => [kind, index + 1]),
  ]);
}

const defaultRanks = ranks(orderFirst, orderLast);

/** `fifo`, or `legacy` with kustomize's kind lists or ones from `legacySortOptions`. */
export type SortOrder =
  | { readonly order: 'fifo' }
  | {
      readonly order: 'legacy';
      readonly orderFirst?: readonly string[];
      readonly orderLast?: readonly string[];
    };

export function sortResources(resources: readonly Resource[], sort: SortOrder): Resource[] {
  if (sort.order === 'fifo') return [...resources];
  const rank =
    sort.orderFirst === undefined && sort.orderLast === undefined
      ? defaultRanks
      : ranks(sort.orderFirst ?? [], sort.orderLast ?? []);
  const keyed = resources.map((resource) => ({ resource, key: sortKey(resource, rank) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  return keyed.map(({ resource }) => resource);
}

interface SortKey {
  readonly rank: number;
  readonly gvk: string;
  readonly namespace: string;
  readonly name: string;
}

function sortKey(resource: Resource, rank: ReadonlyMap<string, number>): SortKey {
  const group = resource.group === '' ? '~G' : resource.group;
  const version = resource.version === '' ? '~V' : resource.version;
  const kind = resource.kind === '' ? '~K' : resource.kind;
  return {
    rank: rank.get(resource.kind) ?? 0,
    gvk: `${group}_${version}_${kind}`,
    namespace: resource.namespace === '' ? '~X' : resource.namespace,
    name: resource.name === '' ? '~N' : resource.name,
  };
}

function compareKeys(a: SortKey, b: SortKey): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  return (
    compareText(a.gvk, b.gvk) ||
    compareText(a.namespace, b.namespace) ||
    compareText(a.name, b.name)
  );
}

function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

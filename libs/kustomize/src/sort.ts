/**
 * Output order. `legacy` (the default) puts kinds a cluster needs first (namespaces, CRDs,
 * RBAC, config) at the top and webhooks at the end; everything else sits between, ordered by
 * group, version and kind, then namespace and name. `fifo` keeps the order resources were loaded.
 */
import { KustomizeError } from './errors.js';
import type { Kustomization } from './kustomization.js';
import type { Resource } from './resource.js';
import { describe, isMap, type Value } from './value.js';

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

/** A kustomization's `sortOptions` (kustomize reads them from the top-level one only). */
export function sortOrderOf(kustomization: Kustomization): SortOrder {
  const where = `${kustomization.path}: sortOptions`;
  const options = kustomization.fields.sortOptions;
  if (options === undefined || options === null) return { order: 'legacy' };
  if (!isMap(options)) throw new KustomizeError(`${where} must be a mapping`);
  for (const key of Object.keys(options)) {
    if (key !== 'order' && key !== 'legacySortOptions') {
      throw new KustomizeError(`${where}: unknown field "${key}"`);
    }
  }
  const order = options.order ?? 'legacy';
  if (order === 'fifo') {
    if (options.legacySortOptions != null) {
      throw new KustomizeError(`${where}: legacySortOptions need order: legacy`);
    }
    return { order };
  }
  if (order !== 'legacy') throw new KustomizeError(`${where}: unknown order ${describe(order)}`);
  const legacy = options.legacySortOptions;
  if (legacy === undefined || legacy === null) return { order };
  if (!isMap(legacy)) throw new KustomizeError(`${where}.legacySortOptions must be a mapping`);
  return {
    order,
    orderFirst: kinds(legacy.orderFirst, where),
    orderLast: kinds(legacy.orderLast, where),
  };
}

function kinds(value: Value | undefined, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new KustomizeError(`${where}: orderFirst and orderLast must be lists of kinds`);
  }
  return value;
}

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

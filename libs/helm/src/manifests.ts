import { parse } from 'yaml';
import { HelmError } from './errors.js';

/**
 * What Helm does with rendered templates: split each file into documents, tell hooks
 * (`helm.sh/hook`) from plain manifests, and order both by kind (releaseutil's
 * SortManifests with InstallOrder).
 */

/** Helm's install order by kind; unknown kinds go last, alphabetically. */
export const installOrder: readonly string[] = [
  'PriorityClass',
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
];

/** The hook events Helm knows; `test-success` is the old name of `test`. */
const hookEvents: ReadonlyMap<string, HookEvent> = new Map<string, HookEvent>([
  ['pre-install', 'pre-install'],
  ['post-install', 'post-install'],
  ['pre-delete', 'pre-delete'],
  ['post-delete', 'post-delete'],
  ['pre-upgrade', 'pre-upgrade'],
  ['post-upgrade', 'post-upgrade'],
  ['pre-rollback', 'pre-rollback'],
  ['post-rollback', 'post-rollback'],
  ['test', 'test'],
  ['test-success', 'test'],
]);

export type HookEvent =
  | 'pre-install'
  | 'post-install'
  | 'pre-delete'
  | 'post-delete'
  | 'pre-upgrade'
  | 'post-upgrade'
  | 'pre-rollback'
  | 'post-rollback'
  | 'test';

/** One plain document of the release manifest. */
export interface RenderedManifest {
  /** The template it came from, `chart/templates/x.yaml`. */
  readonly path: string;
  readonly kind: string;
  readonly name: string;
  readonly content: string;
}

export interface RenderedHook extends RenderedManifest {
  readonly events: readonly HookEvent[];
  /** `helm.sh/hook-weight` (0 when absent or not an integer). */
  readonly weight: number;
  /** `helm.sh/hook-delete-policy`, lower-cased, in order. */
  readonly deletePolicies: readonly string[];
}

// Go's regexp `(?:^|\s*\n)---\s*` where \s is ASCII blank space only.
const separator = /(?:^|[\t\n\f\r ]*\n)---[\t\n\f\r ]*/;
const goTrimSpace = (text: string): string =>
  text.replace(/^[\t\n\v\f\r \u0085\u00a0]+|[\t\n\v\f\r \u0085\u00a0]+$/g, '');

/**
 * Helm 4's SplitManifests: documents in order, leading blank space dropped, trailing kept,
 * blank documents dropped.
 */
export function splitManifests(text: string): string[] {
  return text
    .split(separator)
    .filter((document) => goTrimSpace(document) !== '')
    .map((document) => document.replace(/^[\t\n\v\f\r \u0085\u00a0]+/, ''));
}

interface Head {
  readonly kind: string;
  readonly name: string;
  readonly annotations: ReadonlyMap<string, string>;
}

const asString = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
      ? String(value)
      : '';

function readHead(document: string, path: string): Head {
  let parsed: unknown;
  try {
    parsed = parse(document, { version: '1.1', maxAliasCount: 100, uniqueKeys: false });
  } catch (error) {
    throw new HelmError(
      'RenderFailed',
      `YAML parse error on ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const fields = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<
    string,
    unknown
  >;
  const metadata = (
    typeof fields.metadata === 'object' && fields.metadata !== null ? fields.metadata : {}
  ) as Record<string, unknown>;
  const annotations = new Map<string, string>();
  if (typeof metadata.annotations === 'object' && metadata.annotations !== null) {
    for (const [key, value] of Object.entries(metadata.annotations)) {
      annotations.set(key, asString(value));
    }
  }
  return { kind: asString(fields.kind), name: asString(metadata.name), annotations };
}

const hookAnnotation = 'helm.sh/hook';
const weightAnnotation = 'helm.sh/hook-weight';
const deletePolicyAnnotation = 'helm.sh/hook-delete-policy';

/** Go's strconv.Atoi on the weight; anything else is 0. */
function hookWeight(text: string | undefined): number {
  if (text === undefined || !/^[+-]?[0-9]+$/.test(text)) return 0;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : 0;
}

function toHook(manifest: RenderedManifest, head: Head, hooks: string): RenderedHook | undefined {
  const events: HookEvent[] = [];
  for (const raw of hooks.split(',')) {
    const event = hookEvents.get(raw.trim().toLowerCase());
    if (event === undefined) return undefined;
    events.push(event);
  }
  const policies = head.annotations.get(deletePolicyAnnotation);
  return {
    ...manifest,
    events,
    weight: hookWeight(head.annotations.get(weightAnnotation)),
    deletePolicies:
      policies === undefined ? [] : policies.split(',').map((p) => p.trim().toLowerCase()),
  };
}

const rank = new Map(installOrder.map((kind, i) => [kind, i]));

/** Helm's lessByKind as a stable comparator. */
function byKind(a: { kind: string }, b: { kind: string }): number {
  const first = rank.get(a.kind);
  const second = rank.get(b.kind);
  if (first === undefined && second === undefined) {
    return a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0;
  }
  if (first === undefined) return 1;
  if (second === undefined) return -1;
  return first - second;
}

/**
 * Helm's SortManifests: files by path, documents in file order, hooks apart (unknown hook
 * events are skipped, as Helm skips them), both stably sorted by install order.
 */
export function sortManifests(files: ReadonlyMap<string, string>): {
  manifests: RenderedManifest[];
  hooks: RenderedHook[];
} {
  const manifests: RenderedManifest[] = [];
  const hooks: RenderedHook[] = [];
  for (const path of [...files.keys()].sort()) {
    const content = files.get(path) ?? '';
    if ((path.split('/').pop() ?? '').startsWith('_')) continue;
    if (goTrimSpace(content) === '') continue;
    for (const document of splitManifests(content)) {
      const head = readHead(document, path);
      const manifest = { path, kind: head.kind, name: head.name, content: document };
      const hookTypes = head.annotations.get(hookAnnotation);
      if (hookTypes === undefined) {
        manifests.push(manifest);
        continue;
      }
      const hook = toHook(manifest, head, hookTypes);
      if (hook !== undefined) hooks.push(hook);
    }
  }
  return { manifests: manifests.sort(byKind), hooks: hooks.sort(byKind) };
}

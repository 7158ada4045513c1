import type { ManagerContext } from './context.js';
import { objectPath, type ResourceInfo } from './discovery.js';
import { isPlainObject, refOf, subjectOf, type Manifest } from '@tide/kube';

/** A field manager entry in `metadata.managedFields`, by name and operation. */
export interface FieldManagerRef {
  readonly manager: string;
  readonly operation: 'Apply' | 'Update';
}

/**
 * Managers whose fields an Override apply takes over: what `kubectl create`/`kubectl apply`
 * (client-side and server-side) leave behind. Their fields become ours, so a field removed
 * from the manifest is removed from the cluster instead of lingering under their name.
 */
export const defaultTakeOverManagers: readonly FieldManagerRef[] = [
  { manager: 'before-first-apply', operation: 'Update' },
  { manager: 'kubectl-client-side-apply', operation: 'Update' },
  { manager: 'kubectl-create', operation: 'Update' },
  { manager: 'kubectl', operation: 'Apply' },
];

/** kubectl's client-side apply record; stale once we own the object. */
export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
  subresource?: string;
  [key: string]: unknown;
}

/**
 * Moves the fields of `managers` on the live object to our Apply entry and drops kubectl's
 * last-applied annotation, in one JSON patch guarded by the resourceVersion. Returns the
 * patched object, or undefined when there was nothing to take over.
 */
export async function takeOverFields(
  context: ManagerContext,
  live: Manifest,
  info: ResourceInfo,
  managers: readonly FieldManagerRef[],
): Promise<Manifest | undefined> {
  const entries = (
    Array.isArray(live.metadata.managedFields) ? live.metadata.managedFields : []
  ).filter(isPlainObject) as ManagedFieldsEntry[];
  const isForeign = (entry: ManagedFieldsEntry): boolean =>
    entry.apiVersion === live.apiVersion &&
    (entry.subresource ?? '') === '' &&
    managers.some((m) => m.manager === entry.manager && m.operation === entry.operation);
  const foreign = entries.filter(isForeign);
  const hasAnnotation = live.metadata.annotations?.[lastAppliedAnnotation] !== undefined;
  if (foreign.length === 0 && !hasAnnotation) return undefined;

  const isOurs = (entry: ManagedFieldsEntry): boolean =>
    entry.manager === context.fieldManager &&
    entry.operation === 'Apply' &&
    entry.apiVersion === live.apiVersion &&
    (entry.subresource ?? '') === '';
  const ours = entries.find(isOurs);
  let fields: unknown = ours?.fieldsV1 ?? {};
  for (const entry of foreign) fields = unionFields(fields, entry.fieldsV1);
  const kept = entries.filter((entry) => !isForeign(entry) && !isOurs(entry));
  const managedFields =
    foreign.length === 0
      ? entries
      : [
          ...kept,
          {
            ...(ours ?? {}),
            manager: context.fieldManager,
            operation: 'Apply',
            apiVersion: live.apiVersion,
            fieldsType: 'FieldsV1',
            fieldsV1: fields,
          },
        ];
  const patch: unknown[] = [
    { op: 'test', path: '/metadata/resourceVersion', value: live.metadata.resourceVersion },
    { op: 'replace', path: '/metadata/managedFields', value: managedFields },
  ];
  if (hasAnnotation)
    patch.push({
      op: 'remove',
      path: `/metadata/annotations/${escapePointer(lastAppliedAnnotation)}`,
    });
  const body = await context.client.request(
    {
      method: 'PATCH',
      path: objectPath(info, refOf(live)),
      query: { fieldManager: context.fieldManager },
      body: patch,
      contentType: 'application/json-patch+json',
    },
    { action: 'taking over fields of', subject: subjectOf(live) },
  );
  return body as Manifest;
}

/** The union of two managed field sets (FieldsV1 trees: objects whose leaves are `{}`). */
export function unionFields(a: unknown, b: unknown): unknown {
  if (!isPlainObject(a)) return structuredClone(b);
  if (!isPlainObject(b)) return structuredClone(a);
  const merged: Record<string, unknown> = structuredClone(a);
  for (const [key, value] of Object.entries(b)) merged[key] = unionFields(merged[key], value);
  return merged;
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

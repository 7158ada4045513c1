import type { Kustomization } from '@tide/api';
import { ownerLabelsOf } from '@tide/kustomization';
import {
  Action,
  ApplyError,
  inventoryOf,
  diffInventory,
  entriesWith,
  type DriftIgnoreRules,
  type InventoryEntry,
  type ResourceManager,
} from '@tide/ssa';
import type { Manifest } from '@tide/kube';
import { NotLeaderError, type ReconcileContext } from '@tide/runtime';

/**
 * Refuses to change the cluster once this process is no longer the leader: by then another
 * replica may be applying the same Kustomization. Asked right before apply and prune, so a
 * renew deadline that passed during a long build (the watchdog not yet run) still counts.
 */
export function ensureLeader(context: Pick<ReconcileContext, 'isLeader'>, what: string): void {
  if (!context.isLeader())
    throw new NotLeaderError(`not ${what}: this controller is no longer the leader`);
}

/**
 * Writes the inventory the apply may leave behind before it starts: `previous ∪ planned`.
 * A crash after the apply but before the final status patch then leaves every object the
 * lost revision added in status.inventory, and the next run prunes what its revision drops;
 * the final patch narrows the inventory to what was applied. Nothing is written when every
 * planned object is in the previous inventory already (the usual run).
 */
export async function recordPendingInventory(
  obj: Kustomization,
  previous: readonly InventoryEntry[],
  planned: readonly InventoryEntry[],
  context: Pick<ReconcileContext, 'patchStatus'>,
): Promise<boolean> {
  const pending = mergeInventories(planned, previous);
  if (pending.length === previous.length) return false;
  (obj.status ??= {}).inventory = { entries: pending };
  await context.patchStatus();
  return true;
}

/**
 * Applies the objects (staged, dry run first; `force` recreates on immutable-field
 * changes) and returns one line per object created or changed.
 */
export async function applyChanges(
  resources: ResourceManager,
  objects: readonly Manifest[],
  options: {
    readonly force: boolean;
    readonly signal?: AbortSignal | undefined;
    /** `spec.ignore`, compiled: paths of existing objects the apply leaves alone. */
    readonly ignore?: DriftIgnoreRules | undefined;
  },
): Promise<string[]> {
  const changeSet = await resources.apply(objects, options);
  return entriesWith(changeSet, Action.Created, Action.Configured).map((entry) => entry.summary);
}

/**
 * Deletes what the previous inventory lists and the new one does not, when it still
 * carries this Kustomization's owner labels; returns one line per object deleted.
 */
export async function pruneInventory(
  resources: ResourceManager,
  obj: Kustomization,
  previous: readonly InventoryEntry[],
  next: readonly InventoryEntry[],
  signal?: AbortSignal,
): Promise<string[]> {
  const stale = diffInventory(previous, next);
  if (stale.length === 0) return [];
  const changeSet = await resources.delete(stale, { ownerLabels: ownerLabelsOf(obj), signal });
  return entriesWith(changeSet, Action.Deleted).map((entry) => entry.summary);
}

/** What an apply that failed part-way created: ours too, so kept in the inventory. */
export function appliedBefore(error: unknown): InventoryEntry[] {
  if (!(error instanceof ApplyError)) return [];
  const applied = error.changeSet.entries.filter((e) => e.action === 'created').map((e) => e.ref);
  return inventoryOf(applied);
}

/** The union of two inventories by id, sorted; `a` wins for the version. */
export function mergeInventories(
  a: readonly InventoryEntry[],
  b: readonly InventoryEntry[],
): InventoryEntry[] {
  const byId = new Map([...b, ...a].map((entry) => [entry.id, entry]));
  return [...byId.values()].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}

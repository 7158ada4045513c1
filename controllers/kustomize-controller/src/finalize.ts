import type { Kustomization } from '@tide/api';
import type { ReconcileContext } from '@tide/runtime';
import { ensureLeader } from './apply-step.js';
import { refFromEntry, type ResourceManager } from '@tide/ssa';
import { ownerLabelsOf } from '@tide/kustomization';
import { parseDuration } from '@tide/kube';

/**
 * What deleting a Kustomization does to the objects in its inventory, by
 * `spec.deletionPolicy`: `MirrorPrune` (the default) deletes them when `prune` is true,
 * `Delete` always, `WaitForTermination` deletes and waits until they are gone (bounded by
 * `spec.timeout`, else the interval), `Orphan` never. A suspended Kustomization leaves
 * them, as in Flux. Only objects still carrying its owner labels are deleted.
 */
export async function finalizeInventory(
  obj: Kustomization,
  resources: ResourceManager,
  context?: Pick<ReconcileContext, 'isLeader' | 'signal'>,
): Promise<void> {
  const entries = obj.status?.inventory?.entries ?? [];
  if (entries.length === 0 || obj.spec.suspend === true) return;
  const policy = obj.spec.deletionPolicy ?? 'MirrorPrune';
  const remove =
    policy === 'Delete' ||
    policy === 'WaitForTermination' ||
    (policy === 'MirrorPrune' && obj.spec.prune);
  if (!remove) return;
  const wait = policy === 'WaitForTermination';
  if (context !== undefined) ensureLeader(context, 'deleting the inventory');
  await resources.delete(entries.map(refFromEntry), {
    ownerLabels: ownerLabelsOf(obj),
    signal: context?.signal,
    ...(wait ? { wait, timeoutMs: parseDuration(obj.spec.timeout ?? obj.spec.interval) } : {}),
  });
}

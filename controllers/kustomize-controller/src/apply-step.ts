import type { Kustomization } from '@tide/api';
import {
  Action,
  diffInventory,
  entriesWith,
  type InventoryEntry,
  type KubeObject,
  type ResourceManager,
} from '@tide/ssa';

/** The labels that mark an object as applied by one Kustomization (Flux's keys). */
export function ownerLabelsOf(obj: Kustomization): Record<string, string> {
  return {
    'kustomize.toolkit.fluxcd.io/name': obj.metadata.name ?? '',
    'kustomize.toolkit.fluxcd.io/namespace': obj.metadata.namespace ?? '',
  };
}

/**
 * Applies the objects (staged, dry run first; `force` recreates on immutable-field
 * changes) and returns one line per object created or changed.
 */
export async function applyChanges(
  resources: ResourceManager,
  objects: readonly KubeObject[],
  force: boolean,
): Promise<string[]> {
  const changeSet = await resources.apply(objects, { force });
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
): Promise<string[]> {
  const stale = diffInventory(previous, next);
  if (stale.length === 0) return [];
  const changeSet = await resources.delete(stale, { ownerLabels: ownerLabelsOf(obj) });
  return entriesWith(changeSet, Action.Deleted).map((entry) => entry.summary);
}

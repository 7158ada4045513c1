import { groupOf, versionOf, type ObjectRef } from '@tide/kube';

/** One entry of a Kustomization's `status.inventory.entries`, in Flux's shape. */
export interface InventoryEntry {
  /** `<namespace>_<name>_<group>_<kind>`; namespace empty for cluster-scoped, group for core. */
  readonly id: string;
  /** The API version the object was applied with (`v1`, `v1beta2`). */
  readonly v: string;
}

/** The inventory id of an object: `apps_web_apps_Deployment`, `_apps__Namespace`. */
export function objectId(ref: ObjectRef): string {
  return [ref.namespace ?? '', ref.name, groupOf(ref.apiVersion), ref.kind].join('_');
}

/** The entry recorded for an applied object. */
export function inventoryEntry(ref: ObjectRef): InventoryEntry {
  return { id: objectId(ref), v: versionOf(ref.apiVersion) };
}

/** Entries for a set of objects, sorted by id so the same set always reads the same. */
export function inventoryOf(refs: readonly ObjectRef[]): InventoryEntry[] {
  const byId = new Map(refs.map((ref) => [objectId(ref), inventoryEntry(ref)]));
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Reads an entry back into a reference. Kubernetes names, namespaces, groups and kinds
 * cannot contain `_`, so the id splits into exactly four parts.
 */
export function refFromEntry(entry: InventoryEntry): ObjectRef {
  const parts = entry.id.split('_');
  const [namespace, name, group, kind] = parts;
  if (
    parts.length !== 4 ||
    namespace === undefined ||
    name === undefined ||
    group === undefined ||
    kind === undefined ||
    name === '' ||
    kind === ''
  ) {
    throw new TypeError(
      `invalid inventory id ${JSON.stringify(entry.id)}: want <namespace>_<name>_<group>_<kind>`,
    );
  }
  return {
    apiVersion: group === '' ? entry.v : `${group}/${entry.v}`,
    kind,
    name,
    ...(namespace === '' ? {} : { namespace }),
  };
}

/**
 * What to prune: objects in the old inventory that the new one no longer lists. Objects
 * are matched by id, so an apiVersion bump of the same object is not a removal.
 */
export function diffInventory(
  previous: readonly InventoryEntry[],
  next: readonly InventoryEntry[],
): ObjectRef[] {
  const kept = new Set(next.map((entry) => entry.id));
  return previous.filter((entry) => !kept.has(entry.id)).map(refFromEntry);
}

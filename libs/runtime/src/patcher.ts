import { isDeepStrictEqual } from 'node:util';
import { isApiError, PatchType, type KubeClient } from '@tide/kube';
import type { Condition, KindRef } from '@tide/kube';
import type { ReconcilableObject } from './object.js';

/**
 * Writes an object's status through the status subresource, sending only what changed since
 * the snapshot. The patch carries the resourceVersion it was computed against; on a conflict
 * the patcher re-reads the object and re-applies just its own changes (changed fields and
 * changed conditions by type) to the fresh status, so it never clobbers other writers.
 */

export interface StatusPatcherOptions {
  readonly client: KubeClient;
  readonly kind: KindRef;
  /** The field manager recorded in managedFields. */
  readonly fieldManager: string;
  readonly maxConflictRetries?: number;
}

type Status = Record<string, unknown> & { conditions?: Condition[] };

export class StatusPatcher {
  private before: Status;

  constructor(
    private readonly options: StatusPatcherOptions,
    obj: ReconcilableObject,
  ) {
    this.before = snapshot(obj);
  }

  /**
   * Patches the status changes made to `obj` since the last snapshot; updates `obj`'s
   * resourceVersion and takes a new snapshot. Answers whether anything was sent.
   */
  async patch(obj: ReconcilableObject): Promise<boolean> {
    const changes = diffStatus(this.before, snapshot(obj));
    if (changes.fields.size === 0 && changes.conditions.size === 0) return false;
    let base: ReconcilableObject = obj;
    const retries = this.options.maxConflictRetries ?? 5;
    for (let attempt = 0; ; attempt++) {
      const body = {
        metadata: { resourceVersion: base.metadata.resourceVersion },
        status: applyChanges(snapshot(base), snapshot(obj), changes),
      };
      try {
        const updated = await this.options.client.patch<ReconcilableObject>(
          this.options.kind,
          { namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' },
          body,
          { type: PatchType.Merge, fieldManager: this.options.fieldManager, subresource: 'status' },
        );
        if (updated.metadata.resourceVersion !== undefined) {
          obj.metadata.resourceVersion = updated.metadata.resourceVersion;
        }
        // The server's status is ours plus whatever others wrote (kept through a conflict);
        // later patches must start from it or they would drop the others' part.
        if (updated.status !== undefined) obj.status = updated.status;
        this.before = snapshot(obj);
        return true;
      } catch (error) {
        if (!isApiError(error, 409) || attempt >= retries) throw error;
        base = await this.options.client.get<ReconcilableObject>(
          this.options.kind,
          obj.metadata.namespace,
          obj.metadata.name ?? '',
        );
      }
    }
  }
}

function snapshot(obj: ReconcilableObject): Status {
  return structuredClone(obj.status ?? {});
}

interface StatusChanges {
  /** Top-level status fields (other than conditions) that changed or went away. */
  readonly fields: Set<string>;
  /** Condition types added, changed or removed. */
  readonly conditions: Set<string>;
}

export function diffStatus(before: Status, after: Status): StatusChanges {
  const fields = new Set<string>();
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (key === 'conditions') continue;
    if (!isDeepStrictEqual(before[key], after[key])) fields.add(key);
  }
  const conditions = new Set<string>();
  const beforeByType = new Map((before.conditions ?? []).map((c) => [c.type, c]));
  const afterByType = new Map((after.conditions ?? []).map((c) => [c.type, c]));
  for (const type of new Set([...beforeByType.keys(), ...afterByType.keys()])) {
    if (!isDeepStrictEqual(beforeByType.get(type), afterByType.get(type))) conditions.add(type);
  }
  // Order is part of what people read; a reordering alone is a change of the list.
  const beforeOrder = (before.conditions ?? []).map((c) => c.type).join(',');
  const afterOrder = (after.conditions ?? []).map((c) => c.type).join(',');
  if (conditions.size === 0 && beforeOrder !== afterOrder) {
    for (const type of afterByType.keys()) conditions.add(type);
  }
  return { fields, conditions };
}

/**
 * The merge-patch status: our changed fields (null for removed ones, which a merge patch
 * reads as delete) and the conditions list with our changed types applied to `base`'s.
 */
function applyChanges(base: Status, ours: Status, changes: StatusChanges): Status {
  const status: Status = {};
  for (const key of changes.fields) status[key] = key in ours ? ours[key] : null;
  if (changes.conditions.size > 0) {
    const ourByType = new Map((ours.conditions ?? []).map((c) => [c.type, c]));
    const merged: Condition[] = [];
    for (const condition of base.conditions ?? []) {
      if (!changes.conditions.has(condition.type)) merged.push(condition);
    }
    for (const type of changes.conditions) {
      const condition = ourByType.get(type);
      if (condition !== undefined) merged.push(condition);
    }
    // Keep our order for the types we know, others after them as they were.
    const order = (ours.conditions ?? []).map((c) => c.type);
    const rank = (type: string) => {
      const index = order.indexOf(type);
      return index < 0 ? order.length : index;
    };
    merged.sort((a, b) => rank(a.type) - rank(b.type));
    status.conditions = merged;
  }
  return status;
}

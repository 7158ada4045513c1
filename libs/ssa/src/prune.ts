import { Action, changeSetEntry, type ChangeSet, type ChangeSetEntry } from './changeset.js';
import { deleteLive, getLive, resourceFor, type ManagerContext } from './context.js';
import type { ResourceInfo } from './discovery.js';
import { UnknownKindError } from './errors.js';
import { annotationOf, isApiError, subjectOf, type Manifest, type ObjectRef } from '@tide/kube';
import { Annotations } from './plan.js';
import { mapAll, mapLimited, pollUntil } from './poll.js';

export interface DeleteOptions {
  /**
   * Labels an object must carry to count as ours (e.g. `kustomize.toolkit.fluxcd.io/name`
   * and `/namespace`); objects without them belong to someone else and are skipped.
   */
  readonly ownerLabels?: Readonly<Record<string, string>>;
  /** Wait until every deleted object is gone (finalizers done). */
  readonly wait?: boolean;
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  readonly propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
}

/**
 * Deletes a set of objects, skipping those annotated `prune: disabled` (or
 * `reconcile: disabled`), those that do not carry the owner labels, and those already
 * gone. Returns `deleted`/`skipped` entries.
 */
export async function deleteAll(
  context: ManagerContext,
  refs: readonly ObjectRef[],
  options: DeleteOptions = {},
): Promise<ChangeSet> {
  const results = await mapLimited(refs, 4, (ref) => deleteOne(context, ref, options));
  const entries: ChangeSetEntry[] = [];
  const errors: string[] = [];
  for (const result of results) {
    if (result.status === 'fulfilled') entries.push(result.value);
    else
      errors.push(result.reason instanceof Error ? result.reason.message : String(result.reason));
  }
  if (errors.length > 0) throw new Error(errors.join('; '));
  if (options.wait === true) await waitForTermination(context, entries, options);
  return { entries };
}

async function deleteOne(
  context: ManagerContext,
  ref: ObjectRef,
  options: DeleteOptions,
): Promise<ChangeSetEntry> {
  let info;
  try {
    info = await resourceFor(context, ref);
  } catch (error) {
    // The kind is no longer served (its CRD went first), so the object is gone with it.
    if (error instanceof UnknownKindError)
      return changeSetEntry(ref, Action.Skipped, 'kind no longer served');
    throw error;
  }
  const live = await getLive(context, ref, info);
  if (live === undefined) return changeSetEntry(ref, Action.Skipped, 'not found');
  return deleteJudged(context, ref, info, live, options);
}

/**
 * Deletes `live` if it may go. The object judged is the object deleted: its uid pins it (one
 * re-created under the same name since is someone else's), and its resourceVersion pins that
 * nothing changed since the check (say, the owner labels taken off); a change re-reads and
 * judges again.
 */
async function deleteJudged(
  context: ManagerContext,
  ref: ObjectRef,
  info: ResourceInfo,
  judged: Manifest,
  options: DeleteOptions,
): Promise<ChangeSetEntry> {
  const uid = judged.metadata.uid;
  let live = judged;
  for (let attempt = 1; ; attempt++) {
    const reason = keepReason(live, options.ownerLabels ?? {});
    if (reason !== undefined) return changeSetEntry(ref, Action.Skipped, reason);
    const pinVersion = attempt < changedRetries;
    const preconditions = {
      uid,
      ...(pinVersion ? { resourceVersion: live.metadata.resourceVersion } : {}),
    };
    try {
      const policy = options.propagationPolicy ?? 'Background';
      const deleted = await deleteLive(context, ref, info, policy, preconditions);
      return changeSetEntry(
        ref,
        deleted ? Action.Deleted : Action.Skipped,
        deleted ? undefined : 'not found',
      );
    } catch (error) {
      if (!isApiError(error, 409)) throw error;
      const now = await getLive(context, ref, info);
      if (now === undefined) return changeSetEntry(ref, Action.Skipped, 'not found');
      if (now.metadata.uid !== uid) return changeSetEntry(ref, Action.Skipped, recreated);
      if (!pinVersion) throw error;
      live = now;
    }
  }
}

const recreated = 're-created since it was read: not the object in the inventory';

/**
 * Deletes pinned to the resourceVersion that the object keeps changing under (a busy
 * controller's status) end with the uid alone, after the owner check on a fresh read.
 */
const changedRetries = 3;

/** Why a live object must not be deleted; undefined when it may be. */
export function keepReason(
  live: Manifest,
  ownerLabels: Readonly<Record<string, string>>,
): string | undefined {
  if (annotationOf(live, Annotations.prune)?.toLowerCase() === 'disabled')
    return `${Annotations.prune}: disabled`;
  if (annotationOf(live, Annotations.reconcile)?.toLowerCase() === 'disabled')
    return `${Annotations.reconcile}: disabled`;
  const labels = live.metadata.labels ?? {};
  const foreign = Object.entries(ownerLabels).filter(([key, value]) => labels[key] !== value);
  if (foreign.length > 0) {
    const want = foreign.map(([key, value]) => `${key}=${value}`).join(', ');
    return `not owned by this manager: missing label ${want}`;
  }
  return undefined;
}

async function waitForTermination(
  context: ManagerContext,
  entries: readonly ChangeSetEntry[],
  options: DeleteOptions,
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  let remaining = entries.filter((entry) => entry.action === Action.Deleted).map((e) => e.ref);
  const done = await pollUntil(
    async () => {
      const present = await mapAll(remaining, 8, async (ref) =>
        (await getLive(context, ref)) === undefined ? [] : [ref],
      );
      remaining = present.flat();
      return remaining.length === 0 ? true : undefined;
    },
    { timeoutMs, intervalMs: options.intervalMs ?? 500 },
  );
  if ('end' in done) {
    throw new Error(
      `still terminating after ${timeoutMs}ms: ${remaining.map((ref) => subjectOf(ref)).join(', ')}`,
    );
  }
}

import type { KustomizationStatus } from '@tide/api';
import { formatDuration } from '@tide/kube';

/**
 * `status.history`: the last few distinct builds, newest first. An entry is keyed by the
 * digest of the objects built (after overlay and substitution): reconciling the same
 * objects again updates the newest entry (last time, duration, status, count); a
 * different set starts a new entry. `metadata.revision` is the source revision.
 */
export type Snapshot = NonNullable<KustomizationStatus['history']>[number];

export const historyLimit = 5;

export interface RunRecord {
  readonly digest: string;
  readonly revision: string;
  /** The Ready reason the run ended with (`ReconciliationSucceeded`, `BuildFailed`, ...). */
  readonly status: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
}

export function recordRun(history: readonly Snapshot[], run: RunRecord): Snapshot[] {
  const finished = run.finishedAt.toISOString().replace(/\.\d+Z$/, 'Z');
  const duration = formatDuration(run.finishedAt.getTime() - run.startedAt.getTime());
  const [latest, ...older] = history;
  if (latest?.digest === run.digest) {
    return [
      {
        ...latest,
        lastReconciled: finished,
        lastReconciledDuration: duration,
        lastReconciledStatus: run.status,
        totalReconciliations: latest.totalReconciliations + 1,
        metadata: { ...latest.metadata, revision: run.revision },
      },
      ...older,
    ];
  }
  const entry: Snapshot = {
    digest: run.digest,
    firstReconciled: finished,
    lastReconciled: finished,
    lastReconciledDuration: duration,
    lastReconciledStatus: run.status,
    totalReconciliations: 1,
    metadata: { revision: run.revision },
  };
  return [entry, ...history].slice(0, historyLimit);
}

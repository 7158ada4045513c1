import { subjectOf, type ObjectRef } from '@tide/kube';

/** What happened (or, in a dry run, would happen) to one object. */
export const Action = {
  Created: 'created',
  Configured: 'configured',
  Unchanged: 'unchanged',
  Deleted: 'deleted',
  Skipped: 'skipped',
} as const;
export type Action = (typeof Action)[keyof typeof Action];

export interface ChangeSetEntry {
  /** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects. */
  readonly subject: string;
  readonly ref: ObjectRef;
  readonly action: Action;
  /** One line for events and logs: `Deployment/apps/web configured`. */
  readonly summary: string;
  /** Why an object was skipped, or that it was recreated; absent otherwise. */
  readonly reason?: string;
}

export interface ChangeSet {
  readonly entries: readonly ChangeSetEntry[];
}

export function changeSetEntry(ref: ObjectRef, action: Action, reason?: string): ChangeSetEntry {
  const subject = subjectOf(ref);
  return {
    subject,
    ref,
    action,
    summary: `${subject} ${action}`,
    ...(reason === undefined ? {} : { reason }),
  };
}

/** Entries whose action is one of `actions`. */
export function entriesWith(changeSet: ChangeSet, ...actions: Action[]): ChangeSetEntry[] {
  return changeSet.entries.filter((entry) => actions.includes(entry.action));
}

/** `2 created, 1 configured, 4 unchanged`: counts in a fixed order, zero counts left out. */
export function summarizeChangeSet(changeSet: ChangeSet): string {
  const parts = Object.values(Action).flatMap((action) => {
    const count = changeSet.entries.filter((entry) => entry.action === action).length;
    return count === 0 ? [] : [`${count} ${action}`];
  });
  return parts.length === 0 ? 'no objects' : parts.join(', ');
}

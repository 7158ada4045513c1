import type { ManagerContext } from './context.js';
import { UnknownKindError } from './errors.js';
import { computeHealth, HealthStatus, type Health } from './health.js';
import { refOf, subjectOf, type Manifest, type ObjectRef } from '@tide/kube';
import { getLive } from './context.js';
import { mapAll, pollUntil } from './poll.js';

/** Reads in flight at once while polling, so a large set does not open a socket per object. */
const readConcurrency = 8;

export interface ObjectStatus extends Health {
  readonly subject: string;
  readonly ref: ObjectRef;
}

/** How a wait ended. */
export const WaitOutcome = {
  Current: 'Current',
  Failed: 'Failed',
  Timeout: 'Timeout',
  Aborted: 'Aborted',
} as const;
export type WaitOutcome = (typeof WaitOutcome)[keyof typeof WaitOutcome];

export interface WaitResult {
  readonly outcome: WaitOutcome;
  /** Each object's status at the last poll, in the order given. */
  readonly objects: readonly ObjectStatus[];
  /** One line: what is not Current and why, or that all are. */
  readonly message: string;
}

/**
 * Health an object's kind is judged by instead of kstatus (Flux's `healthCheckExprs`);
 * undefined leaves the object to kstatus. Not called for objects being deleted.
 */
export type CustomHealth = (object: Manifest) => Health | undefined;

export interface StatusOptions {
  readonly customHealth?: CustomHealth;
}

export interface WaitOptions extends StatusOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Aborting ends the wait at once with outcome Aborted (a new revision arrived). */
  readonly signal?: AbortSignal;
}

/** Reads each object once and computes its health; a missing object (or kind) is NotFound. */
export async function statusOf(
  context: ManagerContext,
  refs: readonly ObjectRef[],
  options: StatusOptions = {},
): Promise<ObjectStatus[]> {
  return mapAll(refs, readConcurrency, async (ref) => {
    const live = await getLive(context, ref).catch((error: unknown) => {
      // A kind not served (yet) means there is no such object (yet).
      if (error instanceof UnknownKindError) return undefined;
      throw error;
    });
    const health: Health =
      live === undefined
        ? { status: HealthStatus.NotFound, message: 'not found' }
        : healthOf(live, options.customHealth);
    return { subject: subjectOf(ref), ref, ...health };
  });
}

function healthOf(live: Manifest, customHealth: CustomHealth | undefined): Health {
  if (customHealth === undefined || live.metadata.deletionTimestamp !== undefined)
    return computeHealth(live);
  return customHealth(live) ?? computeHealth(live);
}

/**
 * Polls until every object is Current, any is Failed, the timeout passes or the signal
 * aborts. Errors reading an object (other than not found) end the wait with that error.
 */
export async function waitFor(
  context: ManagerContext,
  objects: readonly (ObjectRef | Manifest)[],
  options: WaitOptions,
): Promise<WaitResult> {
  const refs = objects.map((object) => ('metadata' in object ? refOf(object) : object));
  let last: ObjectStatus[] = [];
  const ended = await pollUntil(
    async () => {
      last = await statusOf(
        context,
        refs,
        options.customHealth === undefined ? {} : { customHealth: options.customHealth },
      );
      if (last.some((status) => status.status === HealthStatus.Failed)) return WaitOutcome.Failed;
      if (last.every((status) => status.status === HealthStatus.Current))
        return WaitOutcome.Current;
      return undefined;
    },
    {
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs ?? 2_000,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    },
  );
  const outcome =
    'value' in ended
      ? ended.value
      : ended.end === 'aborted'
        ? WaitOutcome.Aborted
        : WaitOutcome.Timeout;
  return { outcome, objects: last, message: describeWait(outcome, last, options.timeoutMs) };
}

function describeWait(
  outcome: WaitOutcome,
  objects: readonly ObjectStatus[],
  timeoutMs: number,
): string {
  const pending = objects.filter((status) => status.status !== HealthStatus.Current);
  const details = pending.map((status) => `${status.subject} ${status.status}: ${status.message}`);
  switch (outcome) {
    case WaitOutcome.Current:
      return `all ${objects.length} objects are Current`;
    case WaitOutcome.Failed:
      return `health check failed: ${details.filter((_, i) => pending[i]?.status === HealthStatus.Failed).join('; ')}`;
    case WaitOutcome.Timeout:
      return `timed out after ${timeoutMs}ms waiting for: ${details.join('; ')}`;
    case WaitOutcome.Aborted:
      return `wait cancelled; not yet Current: ${details.join('; ')}`;
  }
}

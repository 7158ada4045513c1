import {
  deleteCondition,
  markFalse,
  markTrue,
  setCondition,
  sortConditions,
  summarize,
  type ConditionPolicy,
} from './conditions.js';
import { ConditionStatus, CoreCondition, CoreReason } from '@tide/kube';
import type { ReconcilableObject } from './object.js';
import {
  ReconcileError,
  Result,
  StallingError,
  WaitingError,
  resultOf,
  type ReconcileResult,
} from './result.js';

/**
 * The one place where what a reconciler answered — a result or a thrown error — becomes
 * conditions on the object and a decision about when to come back.
 */

export type Requeue =
  | { readonly kind: 'none' }
  | { readonly kind: 'after'; readonly ms: number }
  | { readonly kind: 'backoff' };

export interface Outcome {
  readonly requeue: Requeue;
  /** Whether status.observedGeneration moves to metadata.generation. */
  readonly observeGeneration: boolean;
  /** `success`, `requeue`, `stalled`, `waiting` or `error`: the metrics' result label. */
  readonly label: 'success' | 'requeue' | 'stalled' | 'waiting' | 'error';
  /** What to tell people in an Event, when it is worth one. */
  readonly event?: {
    readonly type: 'Normal' | 'Warning';
    readonly reason: string;
    readonly message: string;
  };
}

export type Verdict = { readonly result: ReconcileResult } | { readonly error: unknown };

export interface DecideOptions {
  readonly policy: ConditionPolicy;
  /** The object's interval, already jittered; undefined when it has none. */
  readonly intervalMs: number | undefined;
  readonly successMessage: string;
}

export function decideOutcome(
  obj: ReconcilableObject,
  verdict: Verdict,
  options: DecideOptions,
): Outcome {
  const outcome =
    'error' in verdict
      ? decideError(obj, verdict.error)
      : decideResult(obj, verdict.result, options);
  const conditions = obj.status?.conditions;
  if (conditions !== undefined) sortConditions(conditions, options.policy);
  if (outcome.observeGeneration && obj.metadata.generation !== undefined) {
    obj.status = { ...obj.status, observedGeneration: obj.metadata.generation };
  }
  return outcome;
}

function decideResult(
  obj: ReconcilableObject,
  result: ReconcileResult,
  options: DecideOptions,
): Outcome {
  deleteCondition(obj, CoreCondition.Stalled);
  if (resultOf(result) === Result.Requeue) {
    const after = typeof result === 'string' ? undefined : result.requeueAfterMs;
    markTrue(obj, CoreCondition.Reconciling, CoreReason.Progressing, 'reconciliation in progress');
    setReady(obj, options, 'reconciliation in progress');
    return {
      requeue: after === undefined ? { kind: 'backoff' } : { kind: 'after', ms: after },
      observeGeneration: false,
      label: 'requeue',
    };
  }
  // Success and a top-level Empty both mean the reconciler finished this generation.
  deleteCondition(obj, CoreCondition.Reconciling);
  setReady(obj, options, options.successMessage);
  return {
    requeue:
      options.intervalMs === undefined
        ? { kind: 'none' }
        : { kind: 'after', ms: options.intervalMs },
    observeGeneration: true,
    label: 'success',
  };
}

function setReady(obj: ReconcilableObject, options: DecideOptions, message: string): void {
  const summary = summarize(obj.status?.conditions ?? [], options.policy, {
    reason: CoreReason.Succeeded,
    message,
  });
  setCondition(obj, { type: CoreCondition.Ready, ...summary });
}

function decideError(obj: ReconcilableObject, error: unknown): Outcome {
  const { reason, message } = describe(error);
  if (error instanceof StallingError) {
    deleteCondition(obj, CoreCondition.Reconciling);
    markTrue(obj, CoreCondition.Stalled, reason, message);
    markFalse(obj, CoreCondition.Ready, reason, message);
    return {
      requeue: { kind: 'none' },
      observeGeneration: true,
      label: 'stalled',
      event: { type: 'Warning', reason, message },
    };
  }
  deleteCondition(obj, CoreCondition.Stalled);
  markTrue(obj, CoreCondition.Reconciling, CoreReason.ProgressingWithRetry, message);
  setCondition(obj, { type: CoreCondition.Ready, status: ConditionStatus.False, reason, message });
  if (error instanceof WaitingError) {
    return {
      requeue: { kind: 'after', ms: error.requeueAfterMs },
      observeGeneration: false,
      label: 'waiting',
    };
  }
  return {
    requeue: { kind: 'backoff' },
    observeGeneration: false,
    label: 'error',
    event: { type: 'Warning', reason, message },
  };
}

/** Reason and message of any thrown value; untyped errors are generic failures. */
export function describe(error: unknown): { reason: string; message: string } {
  if (error instanceof ReconcileError) return { reason: error.reason, message: error.message };
  if (error instanceof Error) return { reason: CoreReason.Failed, message: error.message };
  return { reason: CoreReason.Failed, message: String(error) };
}

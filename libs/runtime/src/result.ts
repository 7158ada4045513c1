/**
 * What a reconciler answers, and the typed errors it throws. The reconcile loop turns either
 * into conditions and a requeue decision in one place (outcome.ts).
 */
import type { ReconcileContext } from './reconciler.js';

/** The verdict of a reconciler or one of its sub-reconcilers. */
export const Result = {
  /** Nothing decided; the next step goes on. */
  Empty: 'empty',
  /** Not done yet: come back soon (after `requeueAfter`, or with backoff). */
  Requeue: 'requeue',
  /** Done: come back after the object's interval. */
  Success: 'success',
} as const;
export type Result = (typeof Result)[keyof typeof Result];

/** A Result, or a requeue after a fixed delay (e.g. waiting for a dependency). */
export type ReconcileResult =
  Result | { readonly result: 'requeue'; readonly requeueAfterMs: number };

export function requeueAfter(ms: number): ReconcileResult {
  return { result: Result.Requeue, requeueAfterMs: ms };
}

export function resultOf(value: ReconcileResult): Result {
  return typeof value === 'string' ? value : value.result;
}

const rank: Record<Result, number> = { empty: 0, success: 1, requeue: 2 };

/** Combines sub-reconciler results: requeue beats success beats empty; the earliest requeue wins. */
export function combineResults(a: ReconcileResult, b: ReconcileResult): ReconcileResult {
  const ra = resultOf(a);
  const rb = resultOf(b);
  if (ra === Result.Requeue && rb === Result.Requeue) {
    const da = typeof a === 'string' ? 0 : a.requeueAfterMs;
    const db = typeof b === 'string' ? 0 : b.requeueAfterMs;
    return da <= db ? a : b;
  }
  return rank[ra] >= rank[rb] ? a : b;
}

/**
 * One reconcile of one object, as its steps see it: the object (whose status they change),
 * the runtime's context, and the typed state earlier steps hand to later ones.
 */
export interface Run<T, S> {
  readonly obj: T;
  readonly context: ReconcileContext;
  state: S;
}

/** One named step of a reconcile (Flux's sub-reconciler); a thrown error ends the run. */
export type Step<T, S> = (run: Run<T, S>) => Promise<ReconcileResult>;

/**
 * Runs steps in order (Flux's reconcileStorage → reconcileSource → …) and combines their
 * results. A step answering `requeue` stops the chain: later steps need it.
 */
export async function runSteps<T, S>(
  run: Run<T, S>,
  steps: readonly Step<T, S>[],
): Promise<ReconcileResult> {
  let combined: ReconcileResult = Result.Empty;
  for (const step of steps) {
    const result = await step(run);
    combined = combineResults(combined, result);
    if (resultOf(result) === Result.Requeue) break;
  }
  return combined;
}

/** Base of the typed errors: a reason (CamelCase, goes into conditions) and a message. */
export abstract class ReconcileError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Retrying cannot help until the object changes (bad spec): Stalled=True, no requeue. */
export class StallingError extends ReconcileError {
  override readonly name = 'StallingError';
}

/** Not an error in the object: something it depends on is not ready. Requeue after a delay. */
export class WaitingError extends ReconcileError {
  override readonly name = 'WaitingError';
  constructor(
    reason: string,
    message: string,
    readonly requeueAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(reason, message, options);
  }
}

/** A failure worth retrying with backoff (network, API server, remote errors). */
export class GenericError extends ReconcileError {
  override readonly name = 'GenericError';
}

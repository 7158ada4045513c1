// The step every reconciler runs first: an object that sets a field Tide refuses (the support
// matrix of @tide/api says which) stalls before anything is fetched, built or applied, so what
// it published or applied before stays as it was and no field is silently ignored.
import type { ReconcilableObject } from './object.js';
import { Result, StallingError, type ReconcileResult, type Run, type Step } from './result.js';

/** The reason of Ready=False and Stalled=True when an object sets a refused field. */
export const unsupportedFieldReason = 'UnsupportedField';

/** Names the refused fields an object sets and what to do; undefined when it sets none. */
export type FieldSupportCheck<T> = (obj: T) => string | undefined;

/** A step that stalls with UnsupportedField when `check` names refused fields. */
export function refuseUnsupportedFields<T extends ReconcilableObject, S>(
  check: FieldSupportCheck<T>,
): Step<T, S> {
  return (run: Run<T, S>): Promise<ReconcileResult> => {
    const message = check(run.obj);
    if (message !== undefined) throw new StallingError(unsupportedFieldReason, message);
    return Promise.resolve(Result.Empty);
  };
}

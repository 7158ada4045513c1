import { ConditionStatus, CoreCondition, type Condition } from '@tide/kube';
import type { ReconcilableObject } from './object.js';

/**
 * Conditions as data: set and read metav1.Conditions on an object's status, and summarize a
 * kind's own conditions into `Ready` the way kstatus reads them (`Reconciling` and `Stalled`
 * are abnormal-true: present and True only while work is in progress or has stalled).
 */

/**
 * What a kind declares about its conditions: which it owns (in priority order: the first
 * abnormal one decides Ready's reason) and which are negative-polarity (True means trouble,
 * e.g. `FetchFailed`). Ready, Reconciling and Stalled are always owned.
 */
export interface ConditionPolicy {
  readonly owned: readonly string[];
  readonly negativePolarity?: readonly string[];
}

export interface ConditionInput {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

export function conditionsOf(obj: ReconcilableObject): Condition[] {
  return obj.status?.conditions ?? [];
}

export function getCondition(obj: ReconcilableObject, type: string): Condition | undefined {
  return conditionsOf(obj).find((c) => c.type === type);
}

/**
 * Sets a condition. lastTransitionTime moves only when the status changes (that is what it
 * means); observedGeneration is the object's generation, so readers know what it describes.
 */
export function setCondition(
  obj: ReconcilableObject,
  input: ConditionInput,
  now: () => Date = () => new Date(),
): void {
  obj.status ??= {};
  const conditions = (obj.status.conditions ??= []);
  const existing = conditions.find((c) => c.type === input.type);
  const next: Condition = {
    type: input.type,
    status: input.status,
    ...(obj.metadata.generation === undefined
      ? {}
      : { observedGeneration: obj.metadata.generation }),
    lastTransitionTime:
      existing?.status === input.status ? existing.lastTransitionTime : formatTime(now()),
    reason: input.reason,
    message: input.message,
  };
  if (existing === undefined) conditions.push(next);
  else conditions.splice(conditions.indexOf(existing), 1, next);
}

export function markTrue(obj: ReconcilableObject, type: string, reason: string, message: string) {
  setCondition(obj, { type, status: ConditionStatus.True, reason, message });
}

export function markFalse(obj: ReconcilableObject, type: string, reason: string, message: string) {
  setCondition(obj, { type, status: ConditionStatus.False, reason, message });
}

export function deleteCondition(obj: ReconcilableObject, type: string): void {
  const conditions = obj.status?.conditions;
  if (conditions === undefined) return;
  const index = conditions.findIndex((c) => c.type === type);
  if (index >= 0) conditions.splice(index, 1);
}

export interface Summary {
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

/**
 * What Ready says given the other conditions, first match wins: Stalled=True → False;
 * a negative-polarity condition True → False; a positive one False → False (Unknown →
 * Unknown); Reconciling=True → Unknown; otherwise True with `success`.
 */
export function summarize(
  conditions: readonly Condition[],
  policy: ConditionPolicy,
  success: { reason: string; message: string },
): Summary {
  const byType = new Map(conditions.map((c) => [c.type, c]));
  const stalled = byType.get(CoreCondition.Stalled);
  if (stalled?.status === ConditionStatus.True) return falseFrom(stalled);
  const negative = new Set(policy.negativePolarity ?? []);
  const kindOwned = policy.owned.filter((type) => !(type in CoreCondition));
  for (const type of kindOwned) {
    const condition = byType.get(type);
    if (condition === undefined || !negative.has(type)) continue;
    if (condition.status === ConditionStatus.True) return falseFrom(condition);
  }
  for (const type of kindOwned) {
    const condition = byType.get(type);
    if (condition === undefined || negative.has(type)) continue;
    if (condition.status === ConditionStatus.False) return falseFrom(condition);
    if (condition.status === ConditionStatus.Unknown) {
      return {
        status: ConditionStatus.Unknown,
        reason: condition.reason,
        message: condition.message,
      };
    }
  }
  const reconciling = byType.get(CoreCondition.Reconciling);
  if (reconciling?.status === ConditionStatus.True) {
    return {
      status: ConditionStatus.Unknown,
      reason: reconciling.reason,
      message: reconciling.message,
    };
  }
  return { status: ConditionStatus.True, reason: success.reason, message: success.message };
}

function falseFrom(condition: Condition): Summary {
  return { status: ConditionStatus.False, reason: condition.reason, message: condition.message };
}

/**
 * Orders conditions as Flux shows them: Ready first, then Reconciling and Stalled, then the
 * kind's in its declared order, then anything else as found.
 */
export function sortConditions(conditions: Condition[], policy: ConditionPolicy): void {
  const order = [
    CoreCondition.Ready,
    CoreCondition.Reconciling,
    CoreCondition.Stalled,
    ...policy.owned,
  ];
  const rank = (type: string) => {
    const index = order.indexOf(type);
    return index < 0 ? order.length : index;
  };
  conditions.sort((a, b) => rank(a.type) - rank(b.type));
}

/** metav1.Time: RFC 3339 with second precision. */
export function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

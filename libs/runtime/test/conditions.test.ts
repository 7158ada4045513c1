import { describe, expect, it } from '@jest/globals';
import {
  decideOutcome,
  GenericError,
  getCondition,
  markFalse,
  markTrue,
  requeueAfter,
  Result,
  StallingError,
  summarize,
  WaitingError,
  type ConditionPolicy,
  type ReconcilableObject,
  type Verdict,
} from '../src/index.js';
import type { Condition } from '@tide/kube';

function cond(type: string, status: Condition['status'], reason = `${type}Reason`): Condition {
  return {
    type,
    status,
    reason,
    message: `${type} is ${status}`,
    lastTransitionTime: '2026-01-01T00:00:00Z',
  };
}

const policy: ConditionPolicy = {
  owned: ['ArtifactInStorage', 'FetchFailed', 'BuildFailed'],
  negativePolarity: ['FetchFailed', 'BuildFailed'],
};
const success = { reason: 'Succeeded', message: 'stored artifact' };

describe('summarize', () => {
  it.each([
    {
      name: 'nothing abnormal',
      conditions: [cond('ArtifactInStorage', 'True')],
      want: ['True', 'Succeeded'],
    },
    { name: 'no conditions at all', conditions: [], want: ['True', 'Succeeded'] },
    {
      name: 'stalled wins over everything',
      conditions: [
        cond('FetchFailed', 'True'),
        cond('Stalled', 'True'),
        cond('Reconciling', 'True'),
      ],
      want: ['False', 'StalledReason'],
    },
    {
      name: 'negative polarity True is trouble',
      conditions: [cond('ArtifactInStorage', 'True'), cond('FetchFailed', 'True')],
      want: ['False', 'FetchFailedReason'],
    },
    {
      name: 'negative polarity False is fine',
      conditions: [cond('ArtifactInStorage', 'True'), cond('FetchFailed', 'False')],
      want: ['True', 'Succeeded'],
    },
    {
      name: 'the first negative in declared order decides',
      conditions: [cond('BuildFailed', 'True'), cond('FetchFailed', 'True')],
      want: ['False', 'FetchFailedReason'],
    },
    {
      name: 'a positive condition False',
      conditions: [cond('ArtifactInStorage', 'False')],
      want: ['False', 'ArtifactInStorageReason'],
    },
    {
      name: 'a positive condition Unknown',
      conditions: [cond('ArtifactInStorage', 'Unknown')],
      want: ['Unknown', 'ArtifactInStorageReason'],
    },
    {
      name: 'negatives beat positives',
      conditions: [cond('ArtifactInStorage', 'False'), cond('BuildFailed', 'True')],
      want: ['False', 'BuildFailedReason'],
    },
    {
      name: 'still reconciling',
      conditions: [cond('ArtifactInStorage', 'True'), cond('Reconciling', 'True', 'Progressing')],
      want: ['Unknown', 'Progressing'],
    },
    {
      name: 'conditions the kind does not own are ignored',
      conditions: [cond('SomeoneElses', 'False')],
      want: ['True', 'Succeeded'],
    },
  ])('$name', ({ conditions, want }) => {
    const summary = summarize(conditions, policy, success);
    expect([summary.status, summary.reason]).toEqual(want);
  });
});

function object(generation = 3): ReconcilableObject {
  return { metadata: { name: 'o', namespace: 'n', generation }, status: { observedGeneration: 2 } };
}

describe('decideOutcome', () => {
  const options = { policy, intervalMs: 60_000, successMessage: 'stored artifact' };
  it.each<{
    name: string;
    verdict: Verdict;
    requeue: unknown;
    ready: [string, string];
    reconciling: string | undefined;
    stalled: string | undefined;
    observed: number;
  }>([
    {
      name: 'success',
      verdict: { result: Result.Success },
      requeue: { kind: 'after', ms: 60_000 },
      ready: ['True', 'Succeeded'],
      reconciling: undefined,
      stalled: undefined,
      observed: 3,
    },
    {
      name: 'top-level empty counts as done',
      verdict: { result: Result.Empty },
      requeue: { kind: 'after', ms: 60_000 },
      ready: ['True', 'Succeeded'],
      reconciling: undefined,
      stalled: undefined,
      observed: 3,
    },
    {
      name: 'requeue with backoff',
      verdict: { result: Result.Requeue },
      requeue: { kind: 'backoff' },
      ready: ['Unknown', 'Progressing'],
      reconciling: 'True',
      stalled: undefined,
      observed: 2,
    },
    {
      name: 'requeue after a delay',
      verdict: { result: requeueAfter(5_000) },
      requeue: { kind: 'after', ms: 5_000 },
      ready: ['Unknown', 'Progressing'],
      reconciling: 'True',
      stalled: undefined,
      observed: 2,
    },
    {
      name: 'generic error',
      verdict: { error: new GenericError('FetchFailed', 'connection refused') },
      requeue: { kind: 'backoff' },
      ready: ['False', 'FetchFailed'],
      reconciling: 'True',
      stalled: undefined,
      observed: 2,
    },
    {
      name: 'untyped error',
      verdict: { error: new Error('boom') },
      requeue: { kind: 'backoff' },
      ready: ['False', 'Failed'],
      reconciling: 'True',
      stalled: undefined,
      observed: 2,
    },
    {
      name: 'waiting error',
      verdict: { error: new WaitingError('DependencyNotReady', 'waiting for source', 30_000) },
      requeue: { kind: 'after', ms: 30_000 },
      ready: ['False', 'DependencyNotReady'],
      reconciling: 'True',
      stalled: undefined,
      observed: 2,
    },
    {
      name: 'stalling error',
      verdict: { error: new StallingError('InvalidURL', 'bad url') },
      requeue: { kind: 'none' },
      ready: ['False', 'InvalidURL'],
      reconciling: undefined,
      stalled: 'True',
      observed: 3,
    },
  ])('$name', ({ verdict, requeue, ready, reconciling, stalled, observed }) => {
    const obj = object();
    markTrue(obj, 'Reconciling', 'Progressing', 'reconciliation in progress');
    const outcome = decideOutcome(obj, verdict, options);
    expect(outcome.requeue).toEqual(requeue);
    const readyCondition = getCondition(obj, 'Ready');
    expect([readyCondition?.status, readyCondition?.reason]).toEqual(ready);
    expect(readyCondition?.observedGeneration).toBe(3);
    expect(getCondition(obj, 'Reconciling')?.status).toBe(reconciling);
    expect(getCondition(obj, 'Stalled')?.status).toBe(stalled);
    expect(obj.status?.observedGeneration).toBe(observed);
    expect(obj.status?.conditions?.[0]?.type).toBe('Ready');
  });

  it('lets a kind condition set by the reconciler decide Ready on success', () => {
    const obj = object();
    markTrue(obj, 'FetchFailed', 'AuthenticationFailed', 'bad credentials');
    decideOutcome(obj, { result: Result.Success }, options);
    expect(getCondition(obj, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'AuthenticationFailed',
    });
  });

  it('keeps lastTransitionTime while the status stays the same', () => {
    const obj = object();
    markFalse(obj, 'Ready', 'Failed', 'first');
    const first = getCondition(obj, 'Ready');
    if (first === undefined) throw new Error('no Ready');
    first.lastTransitionTime = '2020-01-01T00:00:00Z';
    markFalse(obj, 'Ready', 'Failed', 'second');
    expect(getCondition(obj, 'Ready')).toMatchObject({
      message: 'second',
      lastTransitionTime: '2020-01-01T00:00:00Z',
    });
    markTrue(obj, 'Ready', 'Succeeded', 'third');
    expect(getCondition(obj, 'Ready')?.lastTransitionTime).not.toBe('2020-01-01T00:00:00Z');
  });
});

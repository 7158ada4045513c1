// refuseUnsupportedFields: a table of checks and what the step answers. The check is the
// caller's (controllers pass @tide/api's unsupportedFieldsMessage); the step turns a message
// into a StallingError with reason UnsupportedField and otherwise lets the next step run.
import { afterAll, describe, expect, it } from '@jest/globals';
import { sharedControlPlane } from '@tide/harness';
import { KubeClient } from '@tide/kube';
import {
  Result,
  StallingError,
  createLogger,
  decideOutcome,
  refuseUnsupportedFields,
  runSteps,
  unsupportedFieldReason,
  type ReconcilableObject,
  type ReconcileContext,
  type Run,
} from '../src/index.js';

const client = new KubeClient({ kubeConfig: sharedControlPlane().kubeConfig });
afterAll(() => {
  client.close();
});

const context: ReconcileContext = {
  logger: createLogger({ level: 'error' }),
  reconcileID: 'field-support-test',
  signal: new AbortController().signal,
  client,
  isLeader: () => true,
  event: () => Promise.resolve(),
  patchStatus: () => Promise.resolve(),
  cache: (kind) => {
    throw new Error(`no cache of ${kind.kind} in this test`);
  },
};

const widget = (spec: Record<string, unknown>): ReconcilableObject => ({
  apiVersion: 'example.test/v1',
  kind: 'Widget',
  metadata: { name: 'w', namespace: 'default', generation: 3 },
  spec,
});

/** Refuses a Widget whose spec sets `proxy`, as the support matrix would. */
const check = (obj: ReconcilableObject) =>
  obj.spec?.proxy === undefined ? undefined : 'unsupported field set: spec.proxy: remove it';

describe('refuseUnsupportedFields', () => {
  it.each([
    ['a spec with only supported fields', { interval: '1m' }, 'next step ran', undefined],
    [
      'a spec setting a refused field',
      { interval: '1m', proxy: 'p' },
      'stalled',
      'unsupported field set: spec.proxy: remove it',
    ],
  ])('%s: %s', async (_what, spec, want, message) => {
    const run: Run<ReconcilableObject, { next: boolean }> = {
      obj: widget(spec),
      context,
      state: { next: false },
    };
    const steps = [
      refuseUnsupportedFields<ReconcilableObject, { next: boolean }>(check),
      (r: typeof run) => {
        r.state.next = true;
        return Promise.resolve(Result.Success);
      },
    ];
    let error: unknown;
    await runSteps(run, steps).catch((e: unknown) => {
      error = e;
    });
    expect(error === undefined ? 'next step ran' : 'stalled').toBe(want);
    expect(run.state.next).toBe(want === 'next step ran');
    if (message !== undefined) {
      expect(error).toBeInstanceOf(StallingError);
      expect(error).toMatchObject({ reason: unsupportedFieldReason, message });
    }
  });

  it('ends as Ready=False and Stalled=True with reason UnsupportedField, generation observed', () => {
    const obj = widget({ proxy: 'p' });
    const outcome = decideOutcome(
      obj,
      { error: new StallingError(unsupportedFieldReason, 'unsupported field set: spec.proxy') },
      {
        policy: { owned: [], negativePolarity: [] },
        intervalMs: 60_000,
        successMessage: 'ok',
      },
    );
    expect(outcome.requeue).toEqual({ kind: 'none' });
    const conditions = obj.status?.conditions ?? [];
    expect(conditions.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'UnsupportedField',
    });
    expect(conditions.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True' });
    expect(obj.status?.observedGeneration).toBe(3);
  });
});

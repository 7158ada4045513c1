import { afterAll, describe, expect, it } from '@jest/globals';
import { sharedControlPlane } from '@tide/harness';
import {
  GenericError,
  Result,
  createLogger,
  requeueAfter,
  runSteps,
  type ReconcileContext,
  type ReconcileResult,
  type Run,
  type Step,
} from '../src/index.js';
import { KubeClient } from '@tide/kube';

interface Trace {
  ran: number[];
}

const client = new KubeClient({ kubeConfig: sharedControlPlane().kubeConfig });
afterAll(() => {
  client.close();
});

const context: ReconcileContext = {
  logger: createLogger({ level: 'error' }),
  reconcileID: 'result-test',
  signal: new AbortController().signal,
  client,
  isLeader: () => true,
  event: () => Promise.resolve(),
  patchStatus: () => Promise.resolve(),
  cache: (kind) => {
    throw new Error(`no cache of ${kind.kind} in this test`);
  },
};

const newRun = (): Run<{ name: string }, Trace> => ({
  obj: { name: 'widget' },
  context,
  state: { ran: [] },
});

/** A step that records its index in the run state and answers `result`. */
const answering =
  (index: number, result: ReconcileResult): Step<{ name: string }, Trace> =>
  (run) => {
    run.state.ran.push(index);
    return Promise.resolve(result);
  };

describe('runSteps', () => {
  it.each([
    { name: 'no steps', results: [], want: Result.Empty, ran: [] },
    {
      name: 'empty then success',
      results: [Result.Empty, Result.Success],
      want: Result.Success,
      ran: [0, 1],
    },
    {
      name: 'success then empty',
      results: [Result.Success, Result.Empty],
      want: Result.Success,
      ran: [0, 1],
    },
    {
      name: 'a requeue stops the chain',
      results: [Result.Success, Result.Requeue, Result.Success],
      want: Result.Requeue,
      ran: [0, 1],
    },
    {
      name: 'a requeue after a delay stops the chain and keeps its delay',
      results: [Result.Empty, requeueAfter(500), Result.Success],
      want: requeueAfter(500),
      ran: [0, 1],
    },
  ])('$name', async ({ results, want, ran }) => {
    const run = newRun();
    const result = await runSteps(
      run,
      results.map((r, i) => answering(i, r)),
    );
    expect(result).toEqual(want);
    expect(run.state.ran).toEqual(ran);
  });

  it('ends the run at a thrown error; later steps do not run', async () => {
    const run = newRun();
    const failing: Step<{ name: string }, Trace> = () =>
      Promise.reject(new GenericError('Failed', 'step one failed'));
    await expect(
      runSteps(run, [answering(0, Result.Success), failing, answering(2, Result.Success)]),
    ).rejects.toThrow('step one failed');
    expect(run.state.ran).toEqual([0]);
  });

  it('hands a later step what an earlier one left in the state', async () => {
    const run: Run<{ name: string }, { found?: string; seen?: string }> = {
      obj: { name: 'widget' },
      context,
      state: {},
    };
    await runSteps(run, [
      (r) => {
        r.state.found = `revision of ${r.obj.name}`;
        return Promise.resolve(Result.Success);
      },
      (r) => {
        if (r.state.found !== undefined) r.state.seen = r.state.found;
        return Promise.resolve(Result.Success);
      },
    ]);
    expect(run.state.seen).toBe('revision of widget');
  });
});

import { describe, expect, it } from '@jest/globals';
import { historyLimit, recordRun, type RunRecord, type Snapshot } from '../src/index.js';

const run = (digest: string, status: string, at: number, revision = 'main@sha1:1'): RunRecord => ({
  digest,
  revision,
  status,
  startedAt: new Date(at),
  finishedAt: new Date(at + 1500),
});

describe('recordRun', () => {
  it('starts an entry for a new digest and updates it for the same digest', () => {
    let history: Snapshot[] = recordRun([], run('sha256:a', 'ReconciliationSucceeded', 0));
    expect(history).toEqual([
      {
        digest: 'sha256:a',
        firstReconciled: '1970-01-01T00:00:01Z',
        lastReconciled: '1970-01-01T00:00:01Z',
        lastReconciledDuration: '1.5s',
        lastReconciledStatus: 'ReconciliationSucceeded',
        totalReconciliations: 1,
        metadata: { revision: 'main@sha1:1' },
      },
    ]);
    history = recordRun(history, run('sha256:a', 'HealthCheckFailed', 60_000, 'main@sha1:2'));
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      firstReconciled: '1970-01-01T00:00:01Z',
      lastReconciled: '1970-01-01T00:01:01Z',
      lastReconciledStatus: 'HealthCheckFailed',
      totalReconciliations: 2,
      metadata: { revision: 'main@sha1:2' },
    });
  });

  it(`keeps the newest ${String(historyLimit)} distinct builds, newest first`, () => {
    let history: Snapshot[] = [];
    for (let i = 0; i < 7; i++)
      history = recordRun(history, run(`sha256:${String(i)}`, 'ReconciliationSucceeded', i * 1000));
    expect(history.map((s) => s.digest)).toEqual([
      'sha256:6',
      'sha256:5',
      'sha256:4',
      'sha256:3',
      'sha256:2',
    ]);
  });
});

import { describe, expect, it } from '@jest/globals';
import type { Kustomization } from '@tide/api';
import { NotLeaderError } from '@tide/runtime';
import { ensureLeader, recordPendingInventory } from '../src/apply-step.js';

const entry = (name: string, v = 'v1') => ({ id: `apps_${name}__ConfigMap`, v });
const names = (entries: readonly { id: string }[] | undefined) =>
  (entries ?? []).map((e) => e.id.replace(/^apps_|__ConfigMap$/g, ''));

function kustomization(): Kustomization {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'apps', namespace: 'apps' },
    spec: { interval: '1m', prune: true, sourceRef: { kind: 'GitRepository', name: 'repo' } },
  };
}

describe('recordPendingInventory', () => {
  it.each([
    ['nothing new: no write', ['a', 'b'], ['a'], false, ['a', 'b']],
    ['the same set: no write', ['a'], ['a'], false, ['a']],
    ['a new object: previous ∪ planned', ['a'], ['a', 'c'], true, ['a', 'c']],
    ['a replaced object: both kept until the apply is done', ['a'], ['b'], true, ['a', 'b']],
    ['a first apply', [], ['a'], true, ['a']],
  ] as const)('%s', async (_title, previous, planned, written, pending) => {
    const obj = kustomization();
    let patches = 0;
    const wrote = await recordPendingInventory(
      obj,
      previous.map((n) => entry(n)),
      planned.map((n) => entry(n)),
      {
        patchStatus: () => {
          patches += 1;
          return Promise.resolve();
        },
      },
    );
    expect(wrote).toBe(written);
    expect(patches).toBe(written ? 1 : 0);
    if (written) expect(names(obj.status?.inventory?.entries)).toEqual(pending);
    else expect(obj.status?.inventory).toBeUndefined();
  });

  it("keeps the planned object's version", async () => {
    const obj = kustomization();
    await recordPendingInventory(obj, [entry('a', 'v1beta1')], [entry('a', 'v1'), entry('b')], {
      patchStatus: () => Promise.resolve(),
    });
    expect(obj.status?.inventory?.entries).toEqual([entry('a', 'v1'), entry('b')]);
  });
});

describe('ensureLeader', () => {
  it('passes while leading and refuses once not', () => {
    expect(() => {
      ensureLeader({ isLeader: () => true }, 'applying');
    }).not.toThrow();
    expect(() => {
      ensureLeader({ isLeader: () => false }, 'applying');
    }).toThrow(NotLeaderError);
  });
});

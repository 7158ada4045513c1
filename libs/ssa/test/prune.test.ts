import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sharedControlPlane, startApiProxy, type SharedControlPlane } from '@tide/harness';
import { KubeClient, refOf, type Manifest } from '@tide/kube';
import { Action, ResourceManager } from '../src/index.js';
import { configMap, fieldManager, patchAs, read, remove } from './fixtures.js';

const owner = {
  'kustomize.toolkit.fluxcd.io/name': 'apps',
  'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
};

function owned(namespace: string, name: string, annotations?: Record<string, string>): Manifest {
  const object = configMap(namespace, name, { a: '1' }, annotations);
  object.metadata.labels = { ...owner };
  return object;
}

describe('ResourceManager.delete', () => {
  let plane: SharedControlPlane;
  let ns: string;
  let manager: ResourceManager;
  const path = (name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`;

  beforeAll(async () => {
    plane = sharedControlPlane();
    ns = await plane.createNamespace('ssa-prune');
    manager = new ResourceManager({
      client: new KubeClient({ kubeConfig: plane.kubeConfig }),
      fieldManager,
    });
  });

  it('deletes owned objects and skips disabled, foreign and missing ones', async () => {
    const objects = [
      owned(ns, 'mine'),
      owned(ns, 'kept', { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' }),
      configMap(ns, 'unlabelled', { a: '1' }),
      {
        ...owned(ns, 'theirs'),
        metadata: {
          name: 'theirs',
          namespace: ns,
          labels: { ...owner, 'kustomize.toolkit.fluxcd.io/name': 'other' },
        },
      },
    ];
    await manager.apply(objects);
    const missing = refOf(configMap(ns, 'never-existed', {}));
    const changeSet = await manager.delete([...objects.map(refOf), missing], {
      ownerLabels: owner,
    });
    expect(changeSet.entries.map((entry) => [entry.subject, entry.action])).toEqual([
      [`ConfigMap/${ns}/mine`, Action.Deleted],
      [`ConfigMap/${ns}/kept`, Action.Skipped],
      [`ConfigMap/${ns}/unlabelled`, Action.Skipped],
      [`ConfigMap/${ns}/theirs`, Action.Skipped],
      [`ConfigMap/${ns}/never-existed`, Action.Skipped],
    ]);
    expect(changeSet.entries.map((entry) => entry.reason)).toEqual([
      undefined,
      'kustomize.toolkit.fluxcd.io/prune: disabled',
      expect.stringContaining('not owned'),
      expect.stringContaining('kustomize.toolkit.fluxcd.io/name=apps'),
      'not found',
    ]);
    expect(await read(plane, path('mine'))).toBeUndefined();
    for (const name of ['kept', 'unlabelled', 'theirs'])
      expect(await read(plane, path(name))).toBeDefined();
  });

  it('skips objects of a kind the cluster no longer serves', async () => {
    const ghost = { apiVersion: 'gone.tide.test/v1', kind: 'Ghost', name: 'g', namespace: ns };
    const changeSet = await manager.delete([ghost]);
    expect(changeSet.entries[0]).toMatchObject({
      action: Action.Skipped,
      reason: 'kind no longer served',
    });
  });

  it('waits for termination when asked: until finalizers are gone, or fails at the timeout', async () => {
    const held = (name: string): Manifest => {
      const object = owned(ns, name);
      object.metadata.finalizers = ['tide.test/hold'];
      return object;
    };
    await manager.apply([held('slow'), held('stuck')]);

    const timedOut = manager.delete([refOf(held('stuck'))], {
      wait: true,
      timeoutMs: 800,
      intervalMs: 100,
    });
    await expect(timedOut).rejects.toThrow(`still terminating after 800ms: ConfigMap/${ns}/stuck`);

    const started = Date.now();
    const deleting = manager.delete([refOf(held('slow'))], {
      wait: true,
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await read(plane, path('slow'))).toBeDefined();
    await patchAs(plane, path('slow'), { metadata: { finalizers: null } });
    const changeSet = await deleting;
    expect(changeSet.entries[0]?.action).toBe(Action.Deleted);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(await read(plane, path('slow'))).toBeUndefined();

    await patchAs(plane, path('stuck'), { metadata: { finalizers: null } });
  });
});

// Prune reads an object, decides it is ours, then deletes it by name. Whatever happens to the
// object between the two (another owner re-creating it, someone taking it over by removing
// our labels) must not be deleted on the strength of the first read.
describe('ResourceManager.delete between the read and the delete', () => {
  let plane: SharedControlPlane;
  let ns: string;
  let seedClient: KubeClient;
  let seed: ResourceManager;
  const path = (name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`;

  beforeAll(async () => {
    plane = sharedControlPlane();
    ns = await plane.createNamespace('ssa-prune-race');
    seedClient = new KubeClient({ kubeConfig: plane.kubeConfig });
    seed = new ResourceManager({ client: seedClient, fieldManager });
  });
  afterAll(() => {
    seedClient.close();
  });

  /** Deletes `name` through a proxy that runs `meanwhile` just before the DELETE goes out. */
  const deleteWithRace = async (name: string, meanwhile: () => Promise<void>) => {
    const proxy = await startApiProxy({ issuer: plane.userIssuer, name: 'pruner' });
    const client = new KubeClient({ kubeConfig: proxy.kubeConfig });
    try {
      let raced = false;
      proxy.before(
        (request) => request.method === 'DELETE' && request.path === path(name),
        async () => {
          if (raced) return;
          raced = true;
          await meanwhile();
        },
      );
      const pruner = new ResourceManager({ client, fieldManager });
      const changeSet = await pruner.delete([refOf(owned(ns, name))], { ownerLabels: owner });
      return { changeSet, deletes: proxy.writes.filter((w) => w.method === 'DELETE').length };
    } finally {
      client.close();
      await proxy.stop();
    }
  };

  it('leaves an object that was re-created under the same name', async () => {
    await seed.apply([owned(ns, 'recreated')]);
    const before = (await read(plane, path('recreated'))) as { metadata: { uid: string } };
    const { changeSet } = await deleteWithRace('recreated', async () => {
      await remove(plane, path('recreated'));
      await seed.apply([owned(ns, 'recreated')]);
    });
    expect(changeSet.entries.map((e) => [e.action, e.reason])).toEqual([
      [Action.Skipped, expect.stringContaining('re-created')],
    ]);
    const after = (await read(plane, path('recreated'))) as { metadata: { uid: string } };
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
  });

  it('leaves an object whose owner labels were taken off after it was read', async () => {
    await seed.apply([owned(ns, 'adopted')]);
    const { changeSet, deletes } = await deleteWithRace('adopted', () =>
      patchAs(plane, path('adopted'), {
        metadata: { labels: { 'kustomize.toolkit.fluxcd.io/name': null } },
      }),
    );
    expect(changeSet.entries.map((e) => [e.action, e.reason])).toEqual([
      [Action.Skipped, expect.stringContaining('not owned')],
    ]);
    expect(deletes).toBe(1);
    expect(await read(plane, path('adopted'))).toBeDefined();
  });

  it('still deletes an object that only changed in what prune does not judge', async () => {
    await seed.apply([owned(ns, 'busy')]);
    const { changeSet } = await deleteWithRace('busy', () =>
      patchAs(plane, path('busy'), { data: { b: '2' } }),
    );
    expect(changeSet.entries.map((e) => e.action)).toEqual([Action.Deleted]);
    expect(await read(plane, path('busy'))).toBeUndefined();
  });
});

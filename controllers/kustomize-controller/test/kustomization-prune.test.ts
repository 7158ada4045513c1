import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { publishGitRepository, type PublishedGitRepository } from '@tide/test-support';
import { startKustomizeEnvironment, type KustomizeEnvironment } from './environment.js';
import {
  configMapKind,
  deleteKustomization,
  getOrUndefined,
  kustomization,
  mainRevision,
  waitReady,
} from './fixtures.js';
import { KustomizationGVK } from '@tide/api';

const configMap = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: v\n`;

describe('Kustomization prune and deletion policy', () => {
  let env: KustomizeEnvironment;
  let repo: PublishedGitRepository;

  beforeAll(async () => {
    env = await startKustomizeEnvironment('ks-prune');
    // No kustomization.yaml anywhere: the controller generates one per path.
    repo = await publishGitRepository(env, 'app', {
      files: {
        'pruned/a.yaml': configMap('pruned-a'),
        'pruned/b.yaml': configMap('pruned-b'),
        'kept/a.yaml': configMap('kept-a'),
        'kept/b.yaml': configMap('kept-b'),
        'deleted/a.yaml': configMap('deleted-a'),
        'orphaned/a.yaml': configMap('orphaned-a'),
        'waited/a.yaml': configMap('waited-a'),
      },
    });
  });
  afterAll(async () => {
    await env.stop();
  });

  const exists = async (name: string) =>
    (await getOrUndefined(env, configMapKind, name)) !== undefined;

  it('deletes what left the inventory with prune: true, keeps it with prune: false', async () => {
    const spec = { targetNamespace: env.namespace };
    await env.apply(KustomizationGVK, kustomization('pruned', 'app', { ...spec, path: 'pruned' }));
    await env.apply(
      KustomizationGVK,
      kustomization('kept', 'app', { ...spec, path: 'kept', prune: false }),
    );
    await waitReady(env, 'pruned');
    await waitReady(env, 'kept');
    expect(await exists('pruned-b')).toBe(true);
    expect(await exists('kept-b')).toBe(true);

    const commit = await repo.commit({ 'pruned/b.yaml': null, 'kept/b.yaml': null }, 'remove b');
    const pruned = await waitReady(env, 'pruned', mainRevision(commit));
    const kept = await waitReady(env, 'kept', mainRevision(commit));
    expect(await exists('pruned-b')).toBe(false);
    expect(await exists('pruned-a')).toBe(true);
    expect(await exists('kept-b')).toBe(true);
    expect(pruned.status?.inventory?.entries.map((e) => e.id)).toEqual([
      `${env.namespace}_pruned-a__ConfigMap`,
    ]);
    expect(kept.status?.inventory?.entries.map((e) => e.id)).toEqual([
      `${env.namespace}_kept-a__ConfigMap`,
    ]);
  });

  it('on deletion: MirrorPrune follows prune, Delete and WaitForTermination delete, Orphan keeps', async () => {
    const spec = { targetNamespace: env.namespace, prune: false };
    await env.apply(
      KustomizationGVK,
      kustomization('deleted', 'app', { ...spec, path: 'deleted', deletionPolicy: 'Delete' }),
    );
    await env.apply(
      KustomizationGVK,
      kustomization('orphaned', 'app', {
        ...spec,
        prune: true,
        path: 'orphaned',
        deletionPolicy: 'Orphan',
      }),
    );
    await env.apply(
      KustomizationGVK,
      kustomization('waited', 'app', {
        ...spec,
        path: 'waited',
        deletionPolicy: 'WaitForTermination',
        timeout: '20s',
      }),
    );
    await waitReady(env, 'deleted');
    await waitReady(env, 'orphaned');
    await waitReady(env, 'waited');
    for (const name of ['pruned', 'kept', 'deleted', 'orphaned', 'waited'])
      await deleteKustomization(env, name);
    // MirrorPrune with prune: true deletes; with prune: false keeps.
    expect(await exists('pruned-a')).toBe(false);
    expect(await exists('kept-a')).toBe(true);
    expect(await exists('deleted-a')).toBe(false);
    expect(await exists('orphaned-a')).toBe(true);
    expect(await exists('waited-a')).toBe(false);
  });
});

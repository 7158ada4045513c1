import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { publishGitRepository, type PublishedGitRepository } from '@tide/test-support';
import { startKustomizeEnvironment, type KustomizeEnvironment } from './environment.js';
import {
  conditionOf,
  configMapKind,
  getOrUndefined,
  kustomization,
  mainRevision,
  waitNotReady,
  waitReady,
  type ConfigMapObject,
} from './fixtures.js';
import { KustomizationGVK } from '@tide/api';

describe('Kustomization build failures and refusals', () => {
  let env: KustomizeEnvironment;
  let repo: PublishedGitRepository;

  beforeAll(async () => {
    env = await startKustomizeEnvironment('ks-build');
    repo = await publishGitRepository(env, 'app', {
      files: {
        'app/config.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: one\n',
        'good/config.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\ndata:\n  mode: one\n',
      },
    });
  });
  afterAll(async () => {
    await env.stop();
  });

  it('broken YAML: Ready=False BuildFailed naming the file, the applied objects stay', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('app', 'app', { path: './app', targetNamespace: env.namespace }),
    );
    const first = await waitReady(env, 'app');
    const commit = await repo.commit(
      {
        'app/config.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: two\n',
        'app/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n',
      },
      'break it',
    );
    const failed = await waitNotReady(env, 'app', 'BuildFailed');
    expect(conditionOf(failed, 'Ready')?.message).toContain('app/broken.yaml');
    expect(conditionOf(failed, 'Ready')?.message).not.toContain('tide-kustomization-');
    expect(failed.status?.lastAttemptedRevision).toBe(mainRevision(commit));
    expect(failed.status?.lastAppliedRevision).toBe(first.status?.lastAppliedRevision);
    const config = await getOrUndefined<ConfigMapObject>(env, configMapKind, 'settings');
    expect(config?.data?.mode).toBe('one');
  });

  it('a path missing from the artifact is Stalled with ArtifactFailed naming it', async () => {
    await env.apply(KustomizationGVK, kustomization('nowhere', 'app', { path: './nowhere' }));
    const stalled = await waitNotReady(env, 'nowhere', 'ArtifactFailed');
    expect(conditionOf(stalled, 'Stalled')?.status).toBe('True');
    expect(conditionOf(stalled, 'Ready')?.message).toBe(
      "kustomization path './nowhere' not found in the artifact",
    );
  });

  it('a path leaving the artifact is refused', async () => {
    await env.apply(KustomizationGVK, kustomization('escape', 'app', { path: '../../etc' }));
    const stalled = await waitNotReady(env, 'escape', 'ArtifactFailed');
    expect(conditionOf(stalled, 'Ready')?.message).toBe(
      "kustomization path '../../etc' is outside the artifact",
    );
  });

  it('a missing source is a wait with ArtifactFailed', async () => {
    await env.apply(KustomizationGVK, kustomization('orphan', 'no-such-repo'));
    const waiting = await waitNotReady(env, 'orphan', 'ArtifactFailed');
    expect(conditionOf(waiting, 'Ready')?.message).toBe(
      `source 'GitRepository/${env.namespace}/no-such-repo' not found`,
    );
    expect(conditionOf(waiting, 'Reconciling')?.status).toBe('True');
  });

  it('a missing component fails the build unless ignoreMissingComponents', async () => {
    const spec = { path: './good', targetNamespace: env.namespace, components: ['no-such'] };
    await env.apply(
      KustomizationGVK,
      kustomization('strict-components', 'app', { ...spec, namePrefix: 'a-' }),
    );
    await env.apply(
      KustomizationGVK,
      kustomization('lenient-components', 'app', {
        ...spec,
        namePrefix: 'b-',
        ignoreMissingComponents: true,
      }),
    );
    const failed = await waitNotReady(env, 'strict-components', 'BuildFailed');
    expect(conditionOf(failed, 'Ready')?.message).toContain('no-such');
    await waitReady(env, 'lenient-components');
    expect(await getOrUndefined(env, configMapKind, 'b-good')).toBeDefined();
  });

  it('decryption is refused by the support matrix: UnsupportedField naming the fields', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('sops', 'app', {
        path: './app',
        decryption: { provider: 'sops', secretRef: { name: 'sops-age' } },
      }),
    );
    const stalled = await waitNotReady(env, 'sops', 'UnsupportedField');
    expect(conditionOf(stalled, 'Ready')?.message).toMatch(
      /^unsupported fields set: spec\.decryption\.provider, spec\.decryption\.secretRef\.name: SOPS decryption \(spec\.decryption\) is not supported yet/,
    );
    expect(conditionOf(stalled, 'Stalled')?.status).toBe('True');
    expect(stalled.status?.lastAttemptedRevision).toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { publishGitRepository } from '@tide/test-support';
import { startKustomizeEnvironment, type KustomizeEnvironment } from './environment.js';
import {
  conditionOf,
  configMapKind,
  getOrUndefined,
  kustomization,
  waitNotReady,
  waitReady,
} from './fixtures.js';
import { PatchType } from '@tide/kube';
import { KustomizationGVK } from '@tide/api';

const configMap = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: v\n`;

describe('Kustomization dependsOn', () => {
  let env: KustomizeEnvironment;

  beforeAll(async () => {
    env = await startKustomizeEnvironment('ks-depends');
    await publishGitRepository(env, 'app', {
      files: { 'a/a.yaml': configMap('from-a'), 'b/b.yaml': configMap('from-b') },
    });
  });
  afterAll(async () => {
    await env.stop();
  });

  it('B waits until A is Ready, then applies', async () => {
    const spec = { targetNamespace: env.namespace };
    // A starts broken (its path is missing), so it is not Ready.
    await env.apply(KustomizationGVK, kustomization('a', 'app', { ...spec, path: './not-yet' }));
    await env.apply(
      KustomizationGVK,
      kustomization('b', 'app', { ...spec, path: './b', dependsOn: [{ name: 'a' }] }),
    );
    const waiting = await waitNotReady(env, 'b', 'DependencyNotReady');
    expect(conditionOf(waiting, 'Ready')?.message).toBe(
      `dependency '${env.namespace}/a' is not ready`,
    );
    expect(await getOrUndefined(env, configMapKind, 'from-b')).toBeUndefined();

    await env.client.patch(
      KustomizationGVK,
      { namespace: env.namespace, name: 'a' },
      { spec: { path: './a' } },
      { type: PatchType.Merge },
    );
    await waitReady(env, 'a');
    const b = await waitReady(env, 'b');
    expect(b.status?.lastAppliedRevision).toBeDefined();
    expect(await getOrUndefined(env, configMapKind, 'from-b')).toBeDefined();
  });

  it('a dependency that does not exist is a wait naming it', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('c', 'app', {
        targetNamespace: env.namespace,
        path: './b',
        dependsOn: [{ name: 'ghost' }],
      }),
    );
    const waiting = await waitNotReady(env, 'c', 'DependencyNotReady');
    expect(conditionOf(waiting, 'Ready')?.message).toBe(
      `dependency '${env.namespace}/ghost' not found`,
    );
  });
});

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
  type KustomizationObject,
} from './fixtures.js';
import { PatchType } from '@tide/kube';
import { KustomizationGVK } from '@tide/api';

const configMap = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: v\n`;

/** Flux's lockstep example: the dependency must carry this Kustomization's version label. */
const lockstep =
  "dep.metadata.labels['app/version'] == self.metadata.labels['app/version'] && " +
  "dep.status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True')";

describe('Kustomization dependsOn[].readyExpr', () => {
  let env: KustomizeEnvironment;

  const labelled = (obj: KustomizationObject, version: string): KustomizationObject => ({
    ...obj,
    metadata: { ...obj.metadata, labels: { 'app/version': version } },
  });

  beforeAll(async () => {
    env = await startKustomizeEnvironment('ks-ready-expr');
    await publishGitRepository(env, 'app', {
      files: {
        'backend/a.yaml': configMap('backend'),
        'frontend/b.yaml': configMap('frontend'),
        'other/c.yaml': configMap('other'),
        'odd/d.yaml': configMap('odd'),
        'invalid/e.yaml': configMap('invalid'),
      },
    });
  });
  afterAll(async () => {
    await env.stop();
  });

  it('waits until the expression over self and dep is true (Flux’s lockstep upgrade)', async () => {
    const spec = { targetNamespace: env.namespace };
    await env.apply(
      KustomizationGVK,
      labelled(kustomization('backend', 'app', { ...spec, path: './backend' }), 'v1'),
    );
    await waitReady(env, 'backend');
    await env.apply(
      KustomizationGVK,
      labelled(
        kustomization('frontend', 'app', {
          ...spec,
          path: './frontend',
          dependsOn: [{ name: 'backend', readyExpr: lockstep }],
        }),
        'v2',
      ),
    );
    const waiting = await waitNotReady(env, 'frontend', 'DependencyNotReady');
    expect(conditionOf(waiting, 'Ready')?.message).toBe(
      `dependency '${env.namespace}/backend' is not ready according to readyExpr`,
    );
    expect(await getOrUndefined(env, configMapKind, 'frontend')).toBeUndefined();

    await env.client.patch(
      KustomizationGVK,
      { namespace: env.namespace, name: 'backend' },
      { metadata: { labels: { 'app/version': 'v2' } } },
      { type: PatchType.Merge },
    );
    await waitReady(env, 'frontend');
    expect(await getOrUndefined(env, configMapKind, 'frontend')).toBeDefined();
  });

  it('replaces the Ready check: a dependency that is not Ready can satisfy it', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('broken', 'app', { targetNamespace: env.namespace, path: './missing' }),
    );
    await env.waitFor<KustomizationObject, boolean>(
      KustomizationGVK,
      'broken',
      (o) => conditionOf(o, 'Ready')?.status === 'False',
      'Ready=False (its path is missing)',
    );
    await env.apply(
      KustomizationGVK,
      kustomization('other', 'app', {
        targetNamespace: env.namespace,
        path: './other',
        dependsOn: [{ name: 'broken', readyExpr: "dep.spec.path == './missing'" }],
      }),
    );
    await waitReady(env, 'other');
    const broken = await env.client.get<KustomizationObject>(
      KustomizationGVK,
      env.namespace,
      'broken',
    );
    expect(conditionOf(broken, 'Ready')?.status).not.toBe('True');
  });

  it('an expression failing on the dependency is a wait naming the error', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('odd', 'app', {
        targetNamespace: env.namespace,
        path: './odd',
        dependsOn: [{ name: 'backend', readyExpr: "dep.status.phase == 'Ready'" }],
      }),
    );
    const waiting = await waitNotReady(env, 'odd', 'DependencyNotReady');
    expect(conditionOf(waiting, 'Ready')?.message).toBe(
      `dependency '${env.namespace}/backend' is not ready: evaluating CEL expression "dep.status.phase == 'Ready'": no such key: phase (at column 12)`,
    );
  });

  it('an expression that does not compile stalls with InvalidCELExpression', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('invalid', 'app', {
        targetNamespace: env.namespace,
        path: './invalid',
        dependsOn: [{ name: 'backend', readyExpr: 'deps.metadata.generation == 1' }],
      }),
    );
    const stalled = await waitNotReady(env, 'invalid', 'InvalidCELExpression');
    expect(conditionOf(stalled, 'Ready')?.message).toBe(
      'spec.dependsOn[0].readyExpr (backend): compiling CEL expression "deps.metadata.generation == 1": unknown variable: deps (at column 1)',
    );
    expect(conditionOf(stalled, 'Stalled')?.status).toBe('True');
    expect(await getOrUndefined(env, configMapKind, 'invalid')).toBeUndefined();
  });
});

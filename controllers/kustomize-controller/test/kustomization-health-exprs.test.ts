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
import { PatchType, type KindRef } from '@tide/kube';
import { KustomizationGVK } from '@tide/api';

const gadgetCrd = (group: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: {kind: Gadget, plural: gadgets, singular: gadget, listKind: GadgetList}
  versions:
    - name: v1
      served: true
      storage: true
      subresources: {status: {}}
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`;

const gadget = (group: string, name: string) =>
  `apiVersion: ${group}/v1\nkind: Gadget\nmetadata:\n  name: ${name}\nspec:\n  size: 1\n`;

describe('Kustomization healthCheckExprs', () => {
  let env: KustomizeEnvironment;
  let group: string;
  let gadgetKind: KindRef;

  /** The expressions of a SealedSecret-like kind: a Gadget without status is not Current. */
  const exprs = () => [
    {
      apiVersion: `${group}/v1`,
      kind: 'Gadget',
      inProgress: "status.?phase.orValue('') == 'Sealing'",
      failed: "status.?phase.orValue('') == 'Broken'",
      current: "status.phase == 'Sealed'",
    },
  ];

  async function setPhase(name: string, phase: string): Promise<void> {
    await env.client.patch(
      gadgetKind,
      { namespace: env.namespace, name },
      { status: { phase } },
      { type: PatchType.Merge, subresource: 'status' },
    );
  }

  async function healthCheckRunning(name: string): Promise<void> {
    await env.waitFor<KustomizationObject, boolean>(
      KustomizationGVK,
      name,
      (o) => conditionOf(o, 'Reconciling')?.message.startsWith('health check') === true,
      'health check in progress',
    );
  }

  beforeAll(async () => {
    env = await startKustomizeEnvironment('ks-health-exprs');
    group = `${env.namespace}.exprs.test.tide.dev`;
    gadgetKind = { group, version: 'v1', kind: 'Gadget', plural: 'gadgets', namespaced: true };
    await publishGitRepository(env, 'app', {
      files: {
        'crds/crd.yaml': gadgetCrd(group),
        'sealed/gadget.yaml': gadget(group, 'sealed'),
        'broken/gadget.yaml': gadget(group, 'broken'),
        'plain/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n',
      },
    });
    await env.apply(KustomizationGVK, kustomization('crds', 'app', { path: './crds' }));
    await waitReady(env, 'crds');
  });
  afterAll(async () => {
    await env.stop();
  });

  it('wait: true is Healthy only once current is true, where kstatus would pass at once', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('sealed', 'app', {
        path: './sealed',
        targetNamespace: env.namespace,
        wait: true,
        timeout: '30s',
        healthCheckExprs: exprs(),
      }),
    );
    await healthCheckRunning('sealed');
    await setPhase('sealed', 'Sealing');
    await new Promise((resolve) => setTimeout(resolve, 600));
    const waiting = await env.client.get<KustomizationObject>(
      KustomizationGVK,
      env.namespace,
      'sealed',
    );
    expect(conditionOf(waiting, 'Ready')?.status).not.toBe('True');

    await setPhase('sealed', 'Sealed');
    const ready = await waitReady(env, 'sealed');
    expect(conditionOf(ready, 'Healthy')).toMatchObject({ status: 'True', reason: 'Succeeded' });
  });

  it('healthChecks: failed true ends the wait at once with HealthCheckFailed', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('broken', 'app', {
        path: './broken',
        targetNamespace: env.namespace,
        healthChecks: [{ apiVersion: `${group}/v1`, kind: 'Gadget', name: 'broken' }],
        timeout: '5m',
        healthCheckExprs: exprs(),
      }),
    );
    await healthCheckRunning('broken');
    await setPhase('broken', 'Broken');
    const failed = await waitNotReady(env, 'broken', 'HealthCheckFailed', 20_000);
    expect(conditionOf(failed, 'Healthy')).toMatchObject({
      status: 'False',
      reason: 'HealthCheckFailed',
      message: `health check failed: Gadget/${env.namespace}/broken Failed: healthCheckExprs failed is true`,
    });
  });

  it('an expression that does not compile stalls the Kustomization before it applies', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('invalid', 'app', {
        path: './plain',
        targetNamespace: env.namespace,
        wait: true,
        healthCheckExprs: [
          { ...exprs()[0], current: 'status.phase ==' } as ReturnType<typeof exprs>[number],
        ],
      }),
    );
    const stalled = await waitNotReady(env, 'invalid', 'InvalidCELExpression');
    expect(conditionOf(stalled, 'Ready')?.message).toMatch(
      /^spec\.healthCheckExprs\[0\]\.current \(Gadget\): compiling CEL expression "status\.phase ==": unexpected token: EOF/,
    );
    expect(conditionOf(stalled, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'InvalidCELExpression',
    });
    expect(await getOrUndefined(env, configMapKind, 'plain')).toBeUndefined();
  });

  it('an expression without kind judges every kind of its apiVersion group (Flux 2.9)', async () => {
    const groupWide = {
      inProgress: "status.?phase.orValue('') == 'Sealing'",
      current: "status.phase == 'Sealed'",
    };
    await env.apply(
      KustomizationGVK,
      kustomization('group-wide', 'app', {
        path: './sealed',
        targetNamespace: env.namespace,
        namePrefix: 'group-',
        wait: true,
        timeout: '30s',
        healthCheckExprs: [{ ...groupWide, apiVersion: `${group}/v1` }],
      }),
    );
    await healthCheckRunning('group-wide');
    await new Promise((resolve) => setTimeout(resolve, 600));
    const waiting = await env.client.get<KustomizationObject>(
      KustomizationGVK,
      env.namespace,
      'group-wide',
    );
    expect(conditionOf(waiting, 'Ready')?.status).not.toBe('True');
    await setPhase('group-sealed', 'Sealed');
    const ready = await waitReady(env, 'group-wide');
    expect(conditionOf(ready, 'Healthy')).toMatchObject({ status: 'True', reason: 'Succeeded' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { publishGitRepository, type PublishedGitRepository } from '@tide/test-support';
import { startKustomizeEnvironment, type KustomizeEnvironment } from './environment.js';
import {
  conditionOf,
  configMapKind,
  deploymentKind,
  kustomization,
  mainRevision,
  waitNotReady,
  waitReady,
  type ConfigMapObject,
  type KustomizationObject,
} from './fixtures.js';
import { PatchType } from '@tide/kube';
import { KustomizationGVK } from '@tide/api';

const deployment = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: app
          image: nginx:1.25
`;

const configMap = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: ${value}\n`;

describe('Kustomization health checks', () => {
  let env: KustomizeEnvironment;
  let repo: PublishedGitRepository;

  beforeAll(async () => {
    env = await startKustomizeEnvironment('ks-health');
    repo = await publishGitRepository(env, 'app', {
      files: {
        'rolled/deploy.yaml': deployment('rolled'),
        'stuck/deploy.yaml': deployment('stuck'),
        'slow/deploy.yaml': deployment('slow'),
        'slow/config.yaml': configMap('slow-config', 'one'),
      },
    });
  });
  afterAll(async () => {
    await env.stop();
  });

  it('wait: true turns Healthy=True once the Deployment is rolled out', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('rolled', 'app', {
        path: './rolled',
        targetNamespace: env.namespace,
        wait: true,
        timeout: '30s',
      }),
    );
    // Nothing runs Deployments on this control plane: the test plays the controller.
    await env.waitFor(deploymentKind, 'rolled', () => true, 'applied');
    await env.client.patch(
      deploymentKind,
      { namespace: env.namespace, name: 'rolled' },
      {
        status: {
          observedGeneration: 1,
          replicas: 1,
          updatedReplicas: 1,
          readyReplicas: 1,
          availableReplicas: 1,
          conditions: [
            { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
            { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
          ],
        },
      },
      { type: PatchType.Merge, subresource: 'status' },
    );
    const ready = await waitReady(env, 'rolled');
    expect(conditionOf(ready, 'Healthy')).toMatchObject({ status: 'True', reason: 'Succeeded' });
  });

  it('a Deployment never rolled out fails with HealthCheckFailed after the timeout', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('stuck', 'app', {
        path: './stuck',
        targetNamespace: env.namespace,
        wait: true,
        timeout: '2s',
      }),
    );
    const failed = await waitNotReady(env, 'stuck', 'HealthCheckFailed');
    expect(conditionOf(failed, 'Healthy')).toMatchObject({
      status: 'False',
      reason: 'HealthCheckFailed',
    });
    expect(conditionOf(failed, 'Ready')?.message).toContain('Deployment');
    expect(failed.status?.lastAppliedRevision).toBeUndefined();
  });

  it('a new source revision ends a health wait and is applied at once', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('slow', 'app', {
        path: './slow',
        targetNamespace: env.namespace,
        healthChecks: [{ kind: 'Deployment', name: 'slow' }],
        timeout: '5m',
      }),
    );
    await env.waitFor<KustomizationObject, boolean>(
      KustomizationGVK,
      'slow',
      (o) => conditionOf(o, 'Reconciling')?.message.startsWith('health check') === true,
      'health check in progress',
    );
    const commit = await repo.commit(
      { 'slow/config.yaml': configMap('slow-config', 'two') },
      'change during the wait',
    );
    const started = Date.now();
    await env.waitFor<ConfigMapObject, boolean>(
      configMapKind,
      'slow-config',
      (o) => o.data?.k === 'two',
      'new revision applied',
      20_000,
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    await env.waitFor<KustomizationObject, boolean>(
      KustomizationGVK,
      'slow',
      (o) => o.status?.lastAttemptedRevision === mainRevision(commit),
      'attempting the new revision',
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { publishGitRepository } from '@tide/test-support';
import { startKustomizeEnvironment, type KustomizeEnvironment } from './environment.js';
import {
  conditionOf,
  configMapKind,
  deploymentKind,
  getOrUndefined,
  kustomization,
  requestReconcile,
  waitNotReady,
  waitReady,
  type ConfigMapObject,
} from './fixtures.js';
import { PatchType } from '@tide/kube';
import { KustomizationGVK } from '@tide/api';

const manifests = `apiVersion: v1
kind: ConfigMap
metadata:
  name: tuned
data:
  tuned: git
  plain: git
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: scaled
spec:
  replicas: 1
  selector:
    matchLabels: {app: scaled}
  template:
    metadata:
      labels: {app: scaled}
    spec:
      containers:
        - name: app
          image: nginx:1.25
`;

interface DeploymentObject extends ConfigMapObject {
  spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } };
}

describe('Kustomization ignore', () => {
  let env: KustomizeEnvironment;

  /** A person editing live objects, as `kubectl edit` does. */
  async function edit(kind: typeof configMapKind, name: string, patch: unknown): Promise<void> {
    await env.client.patch(kind, { namespace: env.namespace, name }, patch, {
      type: PatchType.Merge,
      fieldManager: 'kubectl-edit',
    });
  }

  beforeAll(async () => {
    env = await startKustomizeEnvironment('ks-drift-ignore');
    await publishGitRepository(env, 'app', {
      files: { 'app/all.yaml': manifests, 'other/cm.yaml': manifests.split('---')[0] ?? '' },
    });
  });
  afterAll(async () => {
    await env.stop();
  });

  it('keeps hand edits under ignored paths at the next reconcile and reverts the others', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('app', 'app', {
        path: './app',
        targetNamespace: env.namespace,
        ignore: [
          { paths: ['/data/tuned'], target: { kind: 'ConfigMap', name: 'tuned' } },
          { paths: ['/spec/replicas'], target: { group: 'apps', kind: 'Deployment' } },
        ],
      }),
    );
    await waitReady(env, 'app');
    await edit(configMapKind, 'tuned', { data: { tuned: 'hand', plain: 'hand' } });
    await edit(deploymentKind, 'scaled', {
      spec: {
        replicas: 3,
        template: { spec: { containers: [{ name: 'app', image: 'nginx:1.26' }] } },
      },
    });

    await requestReconcile(env, KustomizationGVK, 'app');
    const config = await env.waitFor<ConfigMapObject, ConfigMapObject>(
      configMapKind,
      'tuned',
      (o) => (o.data?.plain === 'git' ? o : undefined),
      'the edit of data.plain reverted',
    );
    expect(config.data).toEqual({ tuned: 'hand', plain: 'git' });
    const scaled = await env.waitFor<DeploymentObject, DeploymentObject>(
      deploymentKind,
      'scaled',
      (o) => (o.spec?.template?.spec?.containers?.[0]?.image === 'nginx:1.25' ? o : undefined),
      'the edit of the image reverted',
    );
    expect(scaled.spec?.replicas).toBe(3);
    const ready = await waitReady(env, 'app');
    expect(conditionOf(ready, 'Ready')?.status).toBe('True');
  });

  it('a rule that is not a JSON pointer stalls the Kustomization before it applies', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('invalid', 'app', {
        path: './other',
        targetNamespace: env.namespace,
        nameSuffix: '-invalid',
        ignore: [{ paths: ['/data/ok'] }, { paths: ['spec/replicas'] }],
      }),
    );
    const stalled = await waitNotReady(env, 'invalid', 'ReconciliationFailed');
    expect(conditionOf(stalled, 'Ready')?.message).toBe(
      'spec.ignore[1]: "spec/replicas" is not a JSON pointer: it must start with /',
    );
    expect(conditionOf(stalled, 'Stalled')?.status).toBe('True');
    expect(await getOrUndefined(env, configMapKind, 'tuned-invalid')).toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ReconcilableObject } from '@tide/runtime';
import { publishGitRepository, type PublishedGitRepository } from '@tide/test-support';
import { startKustomizeEnvironment, type KustomizeEnvironment } from './environment.js';
import {
  conditionOf,
  deploymentKind,
  getOrUndefined,
  kustomization,
  mainRevision,
  waitNotReady,
  waitReady,
} from './fixtures.js';
import { PatchType } from '@tide/kube';
import { KustomizationGVK } from '@tide/api';

interface DeploymentObject extends ReconcilableObject {
  spec?: { selector?: { matchLabels?: Record<string, string> } };
}

const deployment = (app: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: ${app}}
  template:
    metadata:
      labels: {app: ${app}}
    spec:
      containers:
        - name: web
          image: nginx:1.25
`;

describe('Kustomization immutable fields', () => {
  let env: KustomizeEnvironment;
  let repo: PublishedGitRepository;

  beforeAll(async () => {
    env = await startKustomizeEnvironment('ks-force');
    repo = await publishGitRepository(env, 'app', { files: { 'app/web.yaml': deployment('v1') } });
  });
  afterAll(async () => {
    await env.stop();
  });

  it('without force: a clear error naming the object and field; with force: recreated', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('web', 'app', { path: './app', targetNamespace: env.namespace }),
    );
    await waitReady(env, 'web');
    const commit = await repo.commit({ 'app/web.yaml': deployment('v2') }, 'new selector');
    const failed = await waitNotReady(env, 'web', 'ReconciliationFailed');
    const message = conditionOf(failed, 'Ready')?.message ?? '';
    expect(message).toContain(`Deployment/${env.namespace}/web`);
    expect(message).toContain('immutable field spec.selector');

    await env.client.patch(
      KustomizationGVK,
      { namespace: env.namespace, name: 'web' },
      { spec: { force: true } },
      { type: PatchType.Merge },
    );
    await waitReady(env, 'web', mainRevision(commit));
    const live = await getOrUndefined<DeploymentObject>(env, deploymentKind, 'web');
    expect(live?.spec?.selector?.matchLabels).toEqual({ app: 'v2' });
  });
});

// Kustomization fields the support matrix refuses, on the real API server: Ready=False and
// Stalled=True with reason UnsupportedField naming the field; nothing is built or applied,
// and what was applied before stays applied, with its revision and inventory.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KustomizationGVK } from '@tide/api';
import { PatchType } from '@tide/kube';
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

describe('Kustomization fields Tide refuses', () => {
  let env: KustomizeEnvironment;
  let repo: PublishedGitRepository;

  beforeAll(async () => {
    env = await startKustomizeEnvironment('ks-unsupported');
    repo = await publishGitRepository(env, 'app', {
      files: {
        'app/config.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: one\n',
      },
    });
  });
  afterAll(async () => {
    await env.stop();
  });

  it('decryption set after a good apply: stalls, applies nothing new, keeps what it applied', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('app', 'app', { path: './app', targetNamespace: env.namespace }),
    );
    const first = await waitReady(env, 'app');
    await env.client.patch(
      KustomizationGVK,
      { namespace: env.namespace, name: 'app' },
      { spec: { decryption: { provider: 'sops' } } },
      { type: PatchType.Merge },
    );
    await waitNotReady(env, 'app', 'UnsupportedField');
    // A new revision, and a reconcile asked for after it: still refused, nothing applied.
    const commit = await repo.commit(
      {
        'app/config.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: two\n',
      },
      'mode two',
    );
    const requestedAt = new Date().toISOString();
    await env.client.patch(
      KustomizationGVK,
      { namespace: env.namespace, name: 'app' },
      { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': requestedAt } } },
      { type: PatchType.Merge },
    );
    const stalled = await env.waitFor<typeof first, typeof first>(
      KustomizationGVK,
      'app',
      (o) => (o.status?.lastHandledReconcileAt === requestedAt ? o : undefined),
      'the reconcile asked for after the new revision',
    );
    expect(conditionOf(stalled, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'UnsupportedField',
    });
    expect(conditionOf(stalled, 'Ready')?.message).toMatch(
      /^unsupported field set: spec\.decryption\.provider: SOPS decryption/,
    );
    expect(conditionOf(stalled, 'Stalled')?.status).toBe('True');
    expect(stalled.status?.lastAppliedRevision).toBe(first.status?.lastAppliedRevision);
    expect(stalled.status?.lastAttemptedRevision).toBe(first.status?.lastAttemptedRevision);
    expect(stalled.status?.inventory).toEqual(first.status?.inventory);
    const config = await getOrUndefined<ConfigMapObject>(env, configMapKind, 'settings');
    expect(config?.data?.mode).toBe('one');

    await env.client.patch(
      KustomizationGVK,
      { namespace: env.namespace, name: 'app' },
      { spec: { decryption: null } },
      { type: PatchType.Merge },
    );
    const applied = await env.waitFor<typeof first, typeof first>(
      KustomizationGVK,
      'app',
      (o) => (o.status?.lastAppliedRevision === mainRevision(commit) ? o : undefined),
      'the new revision applied once spec.decryption is gone',
    );
    expect(conditionOf(applied, 'Stalled')).toBeUndefined();
    const updated = await getOrUndefined<ConfigMapObject>(env, configMapKind, 'settings');
    expect(updated?.data?.mode).toBe('two');
  });

  it('an ExternalArtifact source and a kubeConfig.configMapRef are refused by name', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('external', 'app', {
        path: './app',
        sourceRef: { kind: 'ExternalArtifact', name: 'app' },
        kubeConfig: { configMapRef: { name: 'workload-identity' } },
      }),
    );
    const stalled = await waitNotReady(env, 'external', 'UnsupportedField');
    expect(conditionOf(stalled, 'Ready')?.message).toBe(
      'unsupported fields set: spec.kubeConfig.configMapRef.name: spec.kubeConfig.configMapRef (workload identity of a cloud provider) is not supported; use spec.kubeConfig.secretRef; spec.sourceRef.kind: ExternalArtifact sources are not supported; use GitRepository, OCIRepository or Bucket',
    );
    expect(stalled.status?.lastAttemptedRevision).toBeUndefined();
  });
});

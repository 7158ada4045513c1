import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { publishGitRepository } from '@tide/test-support';
import { startKustomizeEnvironment, type KustomizeEnvironment } from './environment.js';
import {
  conditionOf,
  configMapKind,
  getOrUndefined,
  rbacKind,
  serviceAccountKind,
  kustomization,
  requestReconcile,
  waitNotReady,
  waitReady,
  secretKind,
  type ConfigMapObject,
} from './fixtures.js';
import { KustomizationGVK } from '@tide/api';

describe('Kustomization serviceAccountName', () => {
  let env: KustomizeEnvironment;

  beforeAll(async () => {
    env = await startKustomizeEnvironment('ks-impersonate');
    await publishGitRepository(env, 'app', {
      files: {
        'app/config.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  k: v\n',
      },
    });
    await env.client.create(serviceAccountKind, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'deployer', namespace: env.namespace },
    });
  });
  afterAll(async () => {
    await env.stop();
  });

  it('applies as the ServiceAccount: forbidden without rights, applied once granted', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('as-deployer', 'app', {
        path: './app',
        targetNamespace: env.namespace,
        serviceAccountName: 'deployer',
      }),
    );
    const denied = await waitNotReady(env, 'as-deployer', 'ReconciliationFailed');
    const message = conditionOf(denied, 'Ready')?.message ?? '';
    expect(message).toContain('Forbidden');
    expect(message).toContain(`system:serviceaccount:${env.namespace}:deployer`);
    expect(await getOrUndefined(env, configMapKind, 'settings')).toBeUndefined();

    await env.client.create(rbacKind('Role', 'roles'), {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'configmaps', namespace: env.namespace },
      rules: [
        {
          apiGroups: [''],
          resources: ['configmaps'],
          verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
        },
      ],
    });
    await env.client.create(rbacKind('RoleBinding', 'rolebindings'), {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'deployer', namespace: env.namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmaps' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: env.namespace }],
    });
    await requestReconcile(env, KustomizationGVK, 'as-deployer');
    await waitReady(env, 'as-deployer');
    expect(await getOrUndefined(env, configMapKind, 'settings')).toBeDefined();
  });

  it('reads substituteFrom as the ServiceAccount: a Secret it may not read is refused by name (M7)', async () => {
    await publishGitRepository(env, 'vars', {
      files: {
        'app/config.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-secret\ndata:\n  token: ${token}\n',
      },
    });
    await env.client.create(secretKind, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'admin-token', namespace: env.namespace },
      data: { token: Buffer.from('not-for-tenants').toString('base64') },
    });
    await env.client.create(serviceAccountKind, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'tenant', namespace: env.namespace },
    });
    // The tenant may manage ConfigMaps but not read Secrets.
    await env.client.create(rbacKind('RoleBinding', 'rolebindings'), {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'tenant', namespace: env.namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmaps' },
      subjects: [{ kind: 'ServiceAccount', name: 'tenant', namespace: env.namespace }],
    });
    await env.apply(
      KustomizationGVK,
      kustomization('steals', 'vars', {
        path: './app',
        targetNamespace: env.namespace,
        serviceAccountName: 'tenant',
        postBuild: { substituteFrom: [{ kind: 'Secret', name: 'admin-token' }] },
      }),
    );
    const denied = await waitNotReady(env, 'steals', 'BuildFailed');
    const message = conditionOf(denied, 'Ready')?.message ?? '';
    expect(message).toContain("spec.postBuild.substituteFrom: Secret 'admin-token' cannot be read");
    expect(message).toContain(`system:serviceaccount:${env.namespace}:tenant`);
    expect(await getOrUndefined(env, configMapKind, 'from-secret')).toBeUndefined();

    await env.client.create(rbacKind('Role', 'roles'), {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'admin-token', namespace: env.namespace },
      rules: [
        { apiGroups: [''], resources: ['secrets'], resourceNames: ['admin-token'], verbs: ['get'] },
      ],
    });
    await env.client.create(rbacKind('RoleBinding', 'rolebindings'), {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'tenant-admin-token', namespace: env.namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'admin-token' },
      subjects: [{ kind: 'ServiceAccount', name: 'tenant', namespace: env.namespace }],
    });
    await requestReconcile(env, KustomizationGVK, 'steals');
    await waitReady(env, 'steals');
    const applied = await getOrUndefined<ConfigMapObject>(env, configMapKind, 'from-secret');
    expect(applied?.data?.token).toBe('not-for-tenants');
  });
});

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
});

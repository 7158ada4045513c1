/**
 * `spec.kubeConfig`: applying to the cluster a kubeconfig Secret names. The "remote"
 * cluster is the shared control plane reached as another user, so which kubeconfig was
 * used shows in the RBAC answer.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { publishGitRepository } from '@tide/test-support';
import { startKustomizeEnvironment, type KustomizeEnvironment } from './environment.js';
import {
  conditionOf,
  configMapKind,
  deleteKustomization,
  getOrUndefined,
  rbacKind,
  kustomization,
  requestReconcile,
  secretKind,
  waitNotReady,
  waitReady,
} from './fixtures.js';
import { KustomizationGVK } from '@tide/api';

describe('Kustomization kubeConfig', () => {
  let env: KustomizeEnvironment;
  let remoteUser: string;
  let kubeconfig: string;

  const secret = (name: string, data: Record<string, string>) =>
    env.client.create(secretKind, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: env.namespace },
      data: Object.fromEntries(
        Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
      ),
    });

  const messageOf = async (name: string) =>
    conditionOf(await waitNotReady(env, name, 'ReconciliationFailed'), 'Ready')?.message ?? '';

  beforeAll(async () => {
    env = await startKustomizeEnvironment('ks-kubeconfig');
    await publishGitRepository(env, 'app', {
      files: {
        'app/config.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: remote-settings\ndata:\n  k: v\n',
      },
    });
    remoteUser = `remote-${env.namespace}`;
    kubeconfig = await readFile(await env.controlPlane.userKubeconfig(remoteUser), 'utf8');
  });
  afterAll(async () => {
    await env.stop();
  });

  it("applies through the Secret's kubeconfig: forbidden for its user, then applied once granted", async () => {
    await secret('remote', { value: kubeconfig });
    await env.apply(
      KustomizationGVK,
      kustomization('to-remote', 'app', {
        path: './app',
        targetNamespace: env.namespace,
        kubeConfig: { secretRef: { name: 'remote' } },
      }),
    );
    const message = await messageOf('to-remote');
    expect(message).toContain('Forbidden');
    expect(message).toContain(remoteUser);
    expect(await getOrUndefined(env, configMapKind, 'remote-settings')).toBeUndefined();

    await env.client.create(rbacKind('Role', 'roles'), {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'remote-configmaps', namespace: env.namespace },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['*'] }],
    });
    await env.client.create(rbacKind('RoleBinding', 'rolebindings'), {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'remote-user', namespace: env.namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'remote-configmaps' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: remoteUser }],
    });
    await requestReconcile(env, KustomizationGVK, 'to-remote');
    await waitReady(env, 'to-remote');
    expect(await getOrUndefined(env, configMapKind, 'remote-settings')).toBeDefined();
  });

  it('lets a Kustomization go when its kubeconfig Secret is gone, leaving the remote objects', async () => {
    await env.client.delete(secretKind, env.namespace, 'remote');
    await deleteKustomization(env, 'to-remote');
    expect(await getOrUndefined(env, configMapKind, 'remote-settings')).toBeDefined();
  });

  it('reads secretRef.key, and says which Secret is missing or lacks the key', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('missing-secret', 'app', {
        path: './app',
        targetNamespace: env.namespace,
        kubeConfig: { secretRef: { name: 'absent' } },
      }),
    );
    expect(await messageOf('missing-secret')).toBe(
      `spec.kubeConfig: Secret/${env.namespace}/absent not found`,
    );

    await secret('other-key', { 'config.yaml': kubeconfig });
    await env.apply(
      KustomizationGVK,
      kustomization('wrong-key', 'app', {
        path: './app',
        targetNamespace: env.namespace,
        kubeConfig: { secretRef: { name: 'other-key' } },
      }),
    );
    expect(await messageOf('wrong-key')).toContain("it has no key 'value' or 'value.yaml'");

    await env.apply(
      KustomizationGVK,
      kustomization('named-key', 'app', {
        path: './app',
        targetNamespace: env.namespace,
        kubeConfig: { secretRef: { name: 'other-key', key: 'config.yaml' } },
      }),
    );
    // The user was granted its Role by the test above: Ready shows the key was read.
    await waitReady(env, 'named-key');
  });

  it.each([
    [
      'a credential file',
      (text: string) => text.replace(/client-key-data: .*/, 'client-key: /etc/hostname'),
      'reads client-key from a file',
    ],
    [
      'a token file',
      (text: string) => text.replace(/client-key-data: .*/, 'token-file: /etc/hostname'),
      'reads token-file from a file',
    ],
    [
      'an exec plugin',
      (text: string) =>
        text.replace(
          /client-key-data: .*/,
          'exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/true}',
        ),
      '--insecure-kubeconfig-exec',
    ],
    [
      'skipping TLS verification',
      (text: string) =>
        text.replace(/certificate-authority-data: .*/, 'insecure-skip-tls-verify: true'),
      '--insecure-kubeconfig-tls',
    ],
  ])('refuses a kubeconfig with %s', async (what, edit, expected) => {
    const name = what.replaceAll(' ', '-').toLowerCase();
    await secret(name, { value: edit(kubeconfig) });
    await env.apply(
      KustomizationGVK,
      kustomization(name, 'app', {
        path: './app',
        targetNamespace: env.namespace,
        kubeConfig: { secretRef: { name } },
      }),
    );
    const message = await messageOf(name);
    expect(message).toContain(`the kubeconfig in Secret/${env.namespace}/${name} is invalid`);
    expect(message).toContain(expected);
  });
});

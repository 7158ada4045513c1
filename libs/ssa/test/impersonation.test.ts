import { beforeAll, describe, expect, it } from '@jest/globals';
import { apiRequest, sharedControlPlane, type SharedControlPlane } from '@tide/harness';
import { Action, ApplyError, ResourceMapper, ResourceManager } from '../src/index.js';
import { configMap, fieldManager, read } from './fixtures.js';
import { impersonatingKubeConfig, ApiError, KubeClient, serviceAccountUser } from '@tide/kube';

describe('impersonating a ServiceAccount', () => {
  let plane: SharedControlPlane;
  let ns: string;

  async function create(path: string, body: unknown): Promise<void> {
    const response = await apiRequest(plane.connection, { method: 'POST', path, body });
    if (response.status !== 201)
      throw new Error(`POST ${path}: ${response.status} ${response.text}`);
  }

  beforeAll(async () => {
    plane = sharedControlPlane();
    ns = await plane.createNamespace('ssa-impersonate');
    for (const name of ['weak', 'strong'])
      await create(`/api/v1/namespaces/${ns}/serviceaccounts`, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name },
      });
    await create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'configmaps' },
      rules: [
        {
          apiGroups: [''],
          resources: ['configmaps'],
          verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'],
        },
      ],
    });
    await create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'strong-configmaps' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmaps' },
      subjects: [{ kind: 'ServiceAccount', name: 'strong', namespace: ns }],
    });
  });

  it('names the ServiceAccount user the way Kubernetes does', () => {
    expect(serviceAccountUser('apps', 'deployer')).toBe('system:serviceaccount:apps:deployer');
  });

  it('leaves the original KubeConfig as it was', () => {
    const copy = impersonatingKubeConfig(plane.kubeConfig, { namespace: ns, name: 'weak' });
    expect(copy.getCurrentUser()?.impersonateUser).toBe(serviceAccountUser(ns, 'weak'));
    expect(plane.kubeConfig.getCurrentUser()?.impersonateUser).toBeUndefined();
  });

  it('is denied for a ServiceAccount without rights, with the forbidden reason in the message', async () => {
    const kubeConfig = impersonatingKubeConfig(plane.kubeConfig, { namespace: ns, name: 'weak' });
    const manager = new ResourceManager({ client: new KubeClient({ kubeConfig }), fieldManager });
    const error = await manager
      .apply([configMap(ns, 'denied', { a: '1' })])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplyError);
    const cause = (error as ApplyError).failures[0]?.error;
    expect(cause).toBeInstanceOf(ApiError);
    expect((cause as ApiError).status).toBe(403);
    expect((cause as ApiError).reason).toBe('Forbidden');
    expect((error as Error).message).toContain(`ConfigMap/${ns}/denied`);
    expect((error as Error).message).toContain(
      `User "system:serviceaccount:${ns}:weak" cannot get resource "configmaps"`,
    );
    expect(await read(plane, `/api/v1/namespaces/${ns}/configmaps/denied`)).toBeUndefined();
  });

  it('applies, prunes and reads health as a ServiceAccount that has the rights', async () => {
    const kubeConfig = impersonatingKubeConfig(plane.kubeConfig, { namespace: ns, name: 'strong' });
    // Discovery shared with an admin client: what the cluster serves is the same for everyone.
    const resourceMapper = new ResourceMapper(new KubeClient({ kubeConfig: plane.kubeConfig }));
    const manager = new ResourceManager({
      client: new KubeClient({ kubeConfig }),
      fieldManager,
      resourceMapper,
    });
    const object = configMap(ns, 'allowed', { a: '1' });
    const applied = await manager.apply([object]);
    expect(applied.entries[0]?.action).toBe(Action.Created);
    const live = await read(plane, `/api/v1/namespaces/${ns}/configmaps/allowed`);
    const managers = (live?.metadata as { managedFields: { manager: string }[] }).managedFields;
    expect(managers.map((entry) => entry.manager)).toContain(fieldManager);
    expect(
      (
        await manager.status([
          { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'allowed' },
        ])
      )[0]?.status,
    ).toBe('Current');
    const pruned = await manager.delete([
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'allowed' },
    ]);
    expect(pruned.entries[0]?.action).toBe(Action.Deleted);
    // Outside its Role the same ServiceAccount is still denied.
    await expect(
      manager.apply([
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 's', namespace: ns },
          stringData: { a: 'b' },
        },
      ]),
    ).rejects.toThrow('forbidden');
  });
});

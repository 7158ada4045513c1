import { beforeAll, describe, expect, it } from '@jest/globals';
import { sharedControlPlane, type SharedControlPlane } from '@tide/harness';
import { KubeClient, type Manifest } from '@tide/kube';
import { Action, changedSecretMask, ResourceManager, secretMask } from '../src/index.js';
import { configMap, fieldManager, read, widgetCrd } from './fixtures.js';

function secret(namespace: string, password: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds', namespace },
    stringData: { password, user: 'admin-user' },
  };
}

describe('ResourceManager.diff', () => {
  let plane: SharedControlPlane;
  let ns: string;
  let manager: ResourceManager;

  beforeAll(async () => {
    plane = sharedControlPlane();
    ns = await plane.createNamespace('ssa-diff');
    manager = new ResourceManager({
      client: new KubeClient({ kubeConfig: plane.kubeConfig }),
      fieldManager,
    });
  });

  it('shows a new object as all additions, and creates nothing', async () => {
    const result = await manager.diff(configMap(ns, 'fresh', { a: '1' }));
    expect(result.action).toBe(Action.Created);
    expect(result.diff).toContain(
      `--- a/ConfigMap/${ns}/fresh\n+++ b/ConfigMap/${ns}/fresh\n@@ -0,0 `,
    );
    expect(result.diff).toContain('+  a: "1"');
    expect(result.diff).not.toContain('resourceVersion');
    expect(result.diff).not.toContain('managedFields');
    expect(await read(plane, `/api/v1/namespaces/${ns}/configmaps/fresh`)).toBeUndefined();
  });

  it('shows a changed field as a unified diff against the live object, and changes nothing', async () => {
    await manager.apply([configMap(ns, 'settings', { a: '1', keep: 'x' })]);
    const result = await manager.diff(configMap(ns, 'settings', { a: '2', keep: 'x' }));
    expect(result.action).toBe(Action.Configured);
    expect(result.diff).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@$/m);
    expect(result.diff).toContain('-  a: "1"\n+  a: "2"\n   keep: x');
    expect((await read(plane, `/api/v1/namespaces/${ns}/configmaps/settings`))?.data).toEqual({
      a: '1',
      keep: 'x',
    });
  });

  it('is empty for an unchanged object', async () => {
    await manager.apply([configMap(ns, 'same', { a: '1' })]);
    const result = await manager.diff(configMap(ns, 'same', { a: '1' }));
    expect(result).toMatchObject({ action: Action.Unchanged, diff: '' });
  });

  it('masks Secret values, marking the ones that change', async () => {
    await manager.apply([secret(ns, 'hunter2')]);
    const result = await manager.diff(secret(ns, 'hunter3'));
    expect(result.action).toBe(Action.Configured);
    for (const leak of ['hunter2', 'hunter3', 'admin-user']) {
      expect(result.diff).not.toContain(leak);
      expect(result.diff).not.toContain(Buffer.from(leak).toString('base64'));
    }
    expect(result.diff).toContain(
      `-  password: "${secretMask}"\n+  password: "${changedSecretMask}"`,
    );
    expect(result.diff).toContain(`   user: "${secretMask}"`);
  });

  it('masks a new Secret too', async () => {
    const result = await manager.diff({
      ...secret(ns, 'hunter4'),
      metadata: { name: 'new', namespace: ns },
    });
    expect(result.action).toBe(Action.Created);
    expect(result.diff).not.toContain('hunter4');
    expect(result.diff).not.toContain(Buffer.from('hunter4').toString('base64'));
    expect(result.diff).toContain(`+  password: "${secretMask}"`);
  });

  it('shows an object whose namespace does not exist yet as a creation, without a dry run', async () => {
    const result = await manager.diff(configMap(`${ns}-later`, 'early', { a: '1' }));
    expect(result.action).toBe(Action.Created);
    expect(result.reason).toContain(`namespace ${ns}-later does not exist yet`);
    expect(result.diff).toContain('+  a: "1"');
  });

  it('diffs a set holding a CRD and a custom resource of it, applying nothing', async () => {
    const { crd, group, plural } = widgetCrd();
    const widget: Manifest = {
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: 'gear', namespace: ns },
      spec: { teeth: 12 },
    };
    const diffs = await manager.diffAll([crd, widget, configMap(ns, 'with-crd', { a: '1' })]);
    expect(diffs.map((d) => [d.subject, d.action])).toEqual([
      [`CustomResourceDefinition/${plural}.${group}`, Action.Created],
      [`Widget/${ns}/gear`, Action.Created],
      [`ConfigMap/${ns}/with-crd`, Action.Created],
    ]);
    expect(diffs[1]?.reason).toContain('CustomResourceDefinition is in the same set');
    expect(diffs[1]?.diff).toContain('+  teeth: 12');
    expect(
      await read(
        plane,
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${plural}.${group}`,
      ),
    ).toBeUndefined();
    // A kind no CRD in the set defines is still an error.
    const ghost: Manifest = {
      apiVersion: 'nothing.tide.test/v1',
      kind: 'Ghost',
      metadata: { name: 'g', namespace: ns },
    };
    await expect(manager.diffAll([crd, ghost])).rejects.toThrow(`Ghost/${ns}/g`);
  });

  it('reports skipped objects without a diff', async () => {
    const ignored = configMap(
      ns,
      'ignored',
      { a: '1' },
      { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' },
    );
    expect(await manager.diff(ignored)).toMatchObject({ action: Action.Skipped, diff: '' });
  });

  it('says an immutable change would recreate the object when forced', async () => {
    const service = (ip: string): Manifest => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'svc', namespace: ns },
      spec: { clusterIP: ip, ports: [{ port: 80 }] },
    });
    await manager.apply([service('10.0.0.140')]);
    await expect(manager.diff(service('10.0.0.141'))).rejects.toThrow('immutable field');
    const forced = await manager.diff(service('10.0.0.141'), { force: true });
    expect(forced.action).toBe(Action.Configured);
    expect(forced.reason).toContain('would recreate');
    expect(forced.diff).toContain('+  clusterIP: 10.0.0.141');
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { apiRequest, sharedControlPlane, type SharedControlPlane } from '@tide/harness';
import { KubeClient, type Manifest } from '@tide/kube';
import {
  Action,
  ApplyError,
  ImmutableFieldError,
  lastAppliedAnnotation,
  ResourceManager,
} from '../src/index.js';
import {
  configMap,
  deployment,
  fieldManager,
  patchAs,
  read,
  remove,
  unique,
  widgetCrd,
} from './fixtures.js';

describe('ResourceManager.apply', () => {
  let plane: SharedControlPlane;
  let ns: string;
  let manager: ResourceManager;
  const crdNames: string[] = [];

  beforeAll(async () => {
    plane = sharedControlPlane();
    ns = await plane.createNamespace('ssa-apply');
    manager = new ResourceManager({
      client: new KubeClient({ kubeConfig: plane.kubeConfig }),
      fieldManager,
    });
  });
  afterAll(async () => {
    for (const name of crdNames)
      await remove(plane, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
  });

  it('applies a CRD and a custom resource of it in one set, the CRD first', async () => {
    const { crd, group, plural } = widgetCrd();
    crdNames.push(crd.metadata.name);
    const widget: Manifest = {
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: 'gear', namespace: ns },
      spec: { teeth: 12, unknownToAnyModel: { nested: true } },
    };
    // The custom resource comes first in the input: staging must reorder.
    const changeSet = await manager.apply([widget, crd]);
    expect(changeSet.entries.map((entry) => entry.summary)).toEqual([
      `CustomResourceDefinition/${plural}.${group} created`,
      `Widget/${ns}/gear created`,
    ]);
    const live = await read(plane, `/apis/${group}/v1/namespaces/${ns}/${plural}/gear`);
    expect(live?.spec).toEqual({ teeth: 12, unknownToAnyModel: { nested: true } });
  });

  it('creates a Namespace before the objects in it, whatever the input order', async () => {
    const namespace = unique('ssa-new');
    const changeSet = await manager.apply([
      configMap(namespace, 'inside', { a: '1' }),
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    ]);
    expect(changeSet.entries.map((entry) => entry.summary)).toEqual([
      `Namespace/${namespace} created`,
      `ConfigMap/${namespace}/inside created`,
    ]);
  });

  it('classifies created, then configured, then unchanged across three applies', async () => {
    const first = await manager.apply([
      deployment(ns, 'web'),
      configMap(ns, 'settings', { a: '1' }),
    ]);
    expect(first.entries.map((entry) => entry.summary)).toEqual([
      `Deployment/${ns}/web created`,
      `ConfigMap/${ns}/settings created`,
    ]);
    const second = await manager.apply([
      deployment(ns, 'web', 'nginx:1.28'),
      configMap(ns, 'settings', { a: '1' }),
    ]);
    expect(second.entries.map((entry) => [entry.subject, entry.action])).toEqual([
      [`Deployment/${ns}/web`, Action.Configured],
      [`ConfigMap/${ns}/settings`, Action.Unchanged],
    ]);
    const before = await read(plane, `/apis/apps/v1/namespaces/${ns}/deployments/web`);
    const third = await manager.apply([
      deployment(ns, 'web', 'nginx:1.28'),
      configMap(ns, 'settings', { a: '1' }),
    ]);
    expect(third.entries.map((entry) => entry.action)).toEqual([
      Action.Unchanged,
      Action.Unchanged,
    ]);
    const after = await read(plane, `/apis/apps/v1/namespaces/${ns}/deployments/web`);
    // Unchanged objects are not re-applied: the resourceVersion stays.
    expect((after?.metadata as { resourceVersion: string }).resourceVersion).toBe(
      (before?.metadata as { resourceVersion: string }).resourceVersion,
    );
  });

  it('reverts drift made by another field manager', async () => {
    await manager.apply([configMap(ns, 'drift', { mode: 'desired' })]);
    const path = `/api/v1/namespaces/${ns}/configmaps/drift`;
    await patchAs(plane, path, { data: { mode: 'edited' } });
    expect((await read(plane, path))?.data).toEqual({ mode: 'edited' });
    const changeSet = await manager.apply([configMap(ns, 'drift', { mode: 'desired' })]);
    expect(changeSet.entries[0]?.action).toBe(Action.Configured);
    expect((await read(plane, path))?.data).toEqual({ mode: 'desired' });
  });

  it('sends Secret stringData as data, so a key dropped from the manifest is removed', async () => {
    const secret = (stringData: Record<string, string>): Manifest => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: ns },
      stringData,
    });
    await manager.apply([secret({ user: 'me', password: 'p1' })]);
    expect((await manager.apply([secret({ user: 'me', password: 'p1' })])).entries[0]?.action).toBe(
      Action.Unchanged,
    );
    const changeSet = await manager.apply([secret({ user: 'me' })]);
    expect(changeSet.entries[0]?.action).toBe(Action.Configured);
    const live = await read(plane, `/api/v1/namespaces/${ns}/secrets/creds`);
    expect(live?.data).toEqual({ user: Buffer.from('me').toString('base64') });
  });

  const immutableCases: [string, (name: string, variant: number) => Manifest, string, string][] = [
    [
      'Service spec.clusterIP',
      (name, variant) => ({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: ns },
        spec: { clusterIP: `10.0.0.${100 + variant}`, ports: [{ port: 80 }] },
      }),
      'spec.clusterIP',
      'services',
    ],
    [
      'Job spec.template',
      (name, variant) => ({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name, namespace: ns },
        spec: {
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'run', image: `busybox:1.3${variant}` }],
            },
          },
        },
      }),
      'spec.template',
      'jobs',
    ],
    [
      'Deployment spec.selector',
      (name, variant) => {
        const app = `${name}-${variant}`;
        return {
          ...deployment(ns, name),
          spec: {
            selector: { matchLabels: { app } },
            template: {
              metadata: { labels: { app } },
              spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
            },
          },
        };
      },
      'spec.selector',
      'deployments',
    ],
  ];

  it.each(immutableCases)(
    '%s: a clear error without force, delete and recreate with force',
    async (_label, make, field, resource) => {
      const name = `imm-${resource}`;
      await manager.apply([make(name, 1)]);
      const error = await manager.apply([make(name, 2)]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApplyError);
      const failure = (error as ApplyError).failures[0]?.error;
      expect(failure).toBeInstanceOf(ImmutableFieldError);
      expect(failure?.message).toContain(`/${ns}/${name}`);
      expect(failure?.message).toContain(field);
      const group = { jobs: '/apis/batch/v1', deployments: '/apis/apps/v1' }[resource] ?? '/api/v1';
      const path = `${group}/namespaces/${ns}/${resource}/${name}`;
      const uidBefore = ((await read(plane, path))?.metadata as { uid: string }).uid;

      const forced = await manager.apply([make(name, 2)], { force: true });
      expect(forced.entries[0]).toMatchObject({ action: Action.Configured });
      expect(forced.entries[0]?.reason).toContain('recreated');
      const live = await read(plane, path);
      expect((live?.metadata as { uid: string }).uid).not.toBe(uidBefore);
      // The same change again is now unchanged: the recreated object is what was asked for.
      expect((await manager.apply([make(name, 2)])).entries[0]?.action).toBe(Action.Unchanged);
    },
  );

  it('recreates with the per-object force annotation', async () => {
    const service = (ip: string): Manifest => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'annotated',
        namespace: ns,
        annotations: { 'kustomize.toolkit.fluxcd.io/force': 'enabled' },
      },
      spec: { clusterIP: ip, ports: [{ port: 80 }] },
    });
    await manager.apply([service('10.0.0.120')]);
    const changeSet = await manager.apply([service('10.0.0.121')]);
    expect(changeSet.entries[0]?.reason).toContain('spec.clusterIP');
    const live = await read(plane, `/api/v1/namespaces/${ns}/services/annotated`);
    expect((live?.spec as { clusterIP: string }).clusterIP).toBe('10.0.0.121');
  });

  it('ssa: Ignore skips the object entirely', async () => {
    const ignored = configMap(
      ns,
      'ignored',
      { a: '1' },
      { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' },
    );
    const changeSet = await manager.apply([ignored]);
    expect(changeSet.entries[0]).toMatchObject({ action: Action.Skipped });
    expect(await read(plane, `/api/v1/namespaces/${ns}/configmaps/ignored`)).toBeUndefined();
  });

  it('ssa: IfNotPresent creates a missing object and never updates it', async () => {
    const annotations = { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' };
    const first = await manager.apply([configMap(ns, 'once', { a: '1' }, annotations)]);
    expect(first.entries[0]?.action).toBe(Action.Created);
    const second = await manager.apply([configMap(ns, 'once', { a: '2' }, annotations)]);
    expect(second.entries[0]?.action).toBe(Action.Skipped);
    expect((await read(plane, `/api/v1/namespaces/${ns}/configmaps/once`))?.data).toEqual({
      a: '1',
    });
  });

  it('ssa: Merge keeps fields another manager owns, Override takes them back', async () => {
    const path = `/api/v1/namespaces/${ns}/configmaps/shared`;
    await manager.apply([configMap(ns, 'shared', { ours: '1', contested: 'ours' })]);
    await patchAs(plane, path, { data: { contested: 'theirs', extra: 'theirs' } });
    const merge = { 'kustomize.toolkit.fluxcd.io/ssa': 'Merge' };
    const merged = await manager.apply([
      configMap(ns, 'shared', { ours: '2', contested: 'ours' }, merge),
    ]);
    expect(merged.entries[0]?.action).toBe(Action.Configured);
    expect(merged.entries[0]?.reason).toContain('.data.contested');
    expect((await read(plane, path))?.data).toEqual({
      ours: '2',
      contested: 'theirs',
      extra: 'theirs',
    });

    const overridden = await manager.apply([
      configMap(ns, 'shared', { ours: '2', contested: 'ours' }),
    ]);
    expect(overridden.entries[0]?.action).toBe(Action.Configured);
    expect((await read(plane, path))?.data).toEqual({
      ours: '2',
      contested: 'ours',
      extra: 'theirs',
    });
  });

  it.each([
    [
      'Override takes them over: a field dropped from the manifest goes',
      'kubectl-a',
      {},
      {},
      { a: '1' },
    ],
    [
      'Merge leaves them alone',
      'kubectl-b',
      { 'kustomize.toolkit.fluxcd.io/ssa': 'Merge' },
      {},
      { a: '1', old: 'x' },
    ],
    [
      'takeOverManagers: [] turns it off',
      'kubectl-c',
      {},
      { takeOverManagers: [] },
      { a: '1', old: 'x' },
    ],
  ])(
    'fields kubectl created an object with: %s',
    async (_label, name, annotations: Record<string, string>, options, data) => {
      const created = await apiRequest(plane.connection, {
        method: 'POST',
        path: `/api/v1/namespaces/${ns}/configmaps?fieldManager=kubectl-client-side-apply`,
        body: configMap(ns, name, { a: '1', old: 'x' }, { [lastAppliedAnnotation]: '{}' }),
      });
      expect(created.status).toBe(201);
      const first = await manager.apply([configMap(ns, name, { a: '1' }, annotations)], options);
      const live = await read(plane, `/api/v1/namespaces/${ns}/configmaps/${name}`);
      expect(live?.data).toEqual(data);
      const metadata = live?.metadata as {
        annotations?: Record<string, string>;
        managedFields: { manager: string }[];
      };
      const takenOver = Object.keys(data).length === 1;
      // Either way ownership (or data) changed.
      expect(first.entries[0]?.action).toBe(Action.Configured);
      expect(metadata.annotations?.[lastAppliedAnnotation] === undefined).toBe(takenOver);
      expect(
        metadata.managedFields.map((entry) => entry.manager).includes('kubectl-client-side-apply'),
      ).toBe(!takenOver);
      const again = await manager.apply([configMap(ns, name, { a: '1' }, annotations)], options);
      expect(again.entries[0]?.action).toBe(Action.Unchanged);
    },
  );

  it('rejects an unknown ssa policy, naming the object', async () => {
    const bad = configMap(ns, 'bad', {}, { 'kustomize.toolkit.fluxcd.io/ssa': 'Sometimes' });
    await expect(manager.apply([bad])).rejects.toThrow(`ConfigMap/${ns}/bad`);
  });

  it('names the object, the field and the server message when the server rejects it', async () => {
    const invalid: Manifest = {
      ...deployment(ns, 'broken'),
      spec: {
        selector: { matchLabels: { app: 'x' } },
        template: { metadata: { labels: { app: 'y' } } },
      },
    };
    const error = await manager.apply([invalid]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplyError);
    const message = (error as Error).message;
    expect(message).toContain(`Deployment/${ns}/broken`);
    expect(message).toContain('spec.template.metadata.labels');
    expect(message).toContain('Invalid');
  });

  it('fails on a kind the cluster does not serve', async () => {
    const unknown: Manifest = {
      apiVersion: 'nothing.tide.test/v1',
      kind: 'Ghost',
      metadata: { name: 'boo', namespace: ns },
    };
    await expect(manager.apply([unknown])).rejects.toThrow(
      `Ghost/${ns}/boo: the cluster does not serve nothing.tide.test/v1`,
    );
  });
});

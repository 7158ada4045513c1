import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sharedControlPlane, type SharedControlPlane } from '@tide/harness';
import { KubeClient, type Manifest } from '@tide/kube';
import {
  Action,
  DriftIgnoreRules,
  InvalidIgnoreRuleError,
  ResourceManager,
  type IgnoreRule,
} from '../src/index.js';
import { configMap, deployment, fieldManager, patchAs, read } from './fixtures.js';

describe('DriftIgnoreRules.compile', () => {
  it.each([
    [
      [{ paths: ['spec/replicas'] }],
      /^drift ignore rule 0: "spec\/replicas" is not a JSON pointer/,
    ],
    [
      [{ paths: ['/ok'] }, { paths: ['/a~2b'] }],
      /^drift ignore rule 1: "\/a~2b" is not a JSON pointer: bad escape/,
    ],
    [
      [{ paths: ['/x'], target: { kind: 'Deploy(' } }],
      /^drift ignore rule 0: invalid regular expression "Deploy\("/,
    ],
    [
      [{ paths: ['/x'], target: { labelSelector: 'app in (a' } }],
      /^drift ignore rule 0: labelSelector: cannot parse requirement "app in \(a"/,
    ],
  ] as [IgnoreRule[], RegExp][])('%j is refused', (rules, message) => {
    expect(() => DriftIgnoreRules.compile(rules)).toThrow(InvalidIgnoreRuleError);
    expect(() => DriftIgnoreRules.compile(rules)).toThrow(message);
  });

  const web: Manifest = {
    ...deployment('apps', 'web'),
    metadata: {
      name: 'web',
      namespace: 'apps',
      labels: { tier: 'front' },
      annotations: { 'autoscaler/enabled': 'true' },
    },
  };
  it.each([
    [undefined, true],
    [{ kind: 'Deployment' }, true],
    [{ group: 'apps', version: 'v1', kind: 'Deploy.*', name: 'w.b', namespace: 'apps' }, true],
    [{ group: '' }, true],
    [{ kind: 'ConfigMap' }, false],
    [{ name: 'we' }, false],
    [{ labelSelector: 'tier=front,!canary' }, true],
    [{ labelSelector: 'tier in (back, batch)' }, false],
    [{ annotationSelector: 'autoscaler/enabled=true' }, true],
    [{ annotationSelector: 'autoscaler/enabled notin (true)' }, false],
  ])('target %j matches the Deployment: %s', (target, want) => {
    const rules = DriftIgnoreRules.compile([
      { paths: ['/spec/replicas', '/metadata/annotations/a~1b'], target },
    ]);
    expect(rules.pointersFor(web)).toEqual(
      want
        ? [
            ['spec', 'replicas'],
            ['metadata', 'annotations', 'a/b'],
          ]
        : [],
    );
  });
});

describe('ResourceManager.apply with drift ignore rules', () => {
  let plane: SharedControlPlane;
  let ns: string;
  let manager: ResourceManager;
  let client: KubeClient;

  beforeAll(async () => {
    plane = sharedControlPlane();
    ns = await plane.createNamespace('ssa-ignore');
    client = new KubeClient({ kubeConfig: plane.kubeConfig });
    manager = new ResourceManager({ client, fieldManager });
  });
  afterAll(() => {
    client.close();
  });

  const cmPath = (name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`;
  const dataOf = async (name: string) => (await read(plane, cmPath(name)))?.data;
  const rules = (...list: IgnoreRule[]) => DriftIgnoreRules.compile(list);

  it('creates the object whole; then keeps hand edits under ignored paths and reverts the rest', async () => {
    const ignore = rules({ paths: ['/data/tuned', '/data/absent'], target: { kind: 'ConfigMap' } });
    const desired = configMap(ns, 'settings', { tuned: 'git', plain: 'git' });
    const [created] = (await manager.apply([desired], { ignore })).entries;
    expect(created?.action).toBe(Action.Created);
    expect(await dataOf('settings')).toEqual({ tuned: 'git', plain: 'git' });

    await patchAs(plane, cmPath('settings'), { data: { tuned: 'hand', plain: 'hand' } });
    const [reverted] = (await manager.apply([desired], { ignore })).entries;
    expect(reverted?.action).toBe(Action.Configured);
    expect(await dataOf('settings')).toEqual({ tuned: 'hand', plain: 'git' });

    await patchAs(plane, cmPath('settings'), { data: { tuned: 'by hand again' } });
    const [kept] = (await manager.apply([desired], { ignore })).entries;
    expect(kept?.action).toBe(Action.Unchanged);
    expect(await dataOf('settings')).toEqual({ tuned: 'by hand again', plain: 'git' });

    // A rule that does not select the object changes nothing: the edit is reverted.
    const other = rules({ paths: ['/data/tuned'], target: { name: 'something-else' } });
    const [restored] = (await manager.apply([desired], { ignore: other })).entries;
    expect(restored?.action).toBe(Action.Configured);
    expect(await dataOf('settings')).toEqual({ tuned: 'git', plain: 'git' });
  });

  it('a change in the manifest under an ignored path is not applied to an existing object', async () => {
    const ignore = rules({ paths: ['/data/tuned'] });
    await manager.apply([configMap(ns, 'pinned', { tuned: 'one' })], { ignore });
    const [entry] = (await manager.apply([configMap(ns, 'pinned', { tuned: 'two' })], { ignore }))
      .entries;
    expect(entry?.action).toBe(Action.Unchanged);
    expect(await dataOf('pinned')).toEqual({ tuned: 'one' });
  });

  it('a field the manifest adds under an ignored path goes in with the next real change', async () => {
    const ignore = rules({ paths: ['/data/extra'] });
    await manager.apply([configMap(ns, 'grows', { a: '1' })], { ignore });
    const [alone] = (
      await manager.apply([configMap(ns, 'grows', { a: '1', extra: 'x' })], { ignore })
    ).entries;
    expect(alone?.action).toBe(Action.Unchanged);
    expect(await dataOf('grows')).toEqual({ a: '1' });
    const [withChange] = (
      await manager.apply([configMap(ns, 'grows', { a: '2', extra: 'x' })], { ignore })
    ).entries;
    expect(withChange?.action).toBe(Action.Configured);
    expect(await dataOf('grows')).toEqual({ a: '2', extra: 'x' });
  });

  it('replicas another controller owns stay, and who owns them is no change', async () => {
    const ignore = rules({ paths: ['/spec/replicas'], target: { kind: 'Deployment' } });
    const web = deployment(ns, 'scaled');
    await manager.apply([web], { ignore });
    const path = `/apis/apps/v1/namespaces/${ns}/deployments/scaled`;
    // An autoscaler's update takes spec.replicas over from us.
    await patchAs(plane, path, { spec: { replicas: 5 } }, 'horizontal-pod-autoscaler');
    const [unchanged] = (await manager.apply([web], { ignore })).entries;
    expect(unchanged?.action).toBe(Action.Unchanged);
    expect((await read(plane, path))?.spec).toMatchObject({ replicas: 5 });

    const changedImage = deployment(ns, 'scaled', 'nginx:1.28');
    const [configured] = (await manager.apply([changedImage], { ignore })).entries;
    expect(configured?.action).toBe(Action.Configured);
    const live = await read(plane, path);
    expect(live?.spec).toMatchObject({
      replicas: 5,
      template: { spec: { containers: [{ name: 'web', image: 'nginx:1.28' }] } },
    });
  });

  it('the empty pointer leaves an existing object entirely alone', async () => {
    const ignore = rules({ paths: [''], target: { name: 'frozen' } });
    await manager.apply([configMap(ns, 'frozen', { a: 'git' })], { ignore });
    await patchAs(plane, cmPath('frozen'), { data: { a: 'hand' } });
    const [entry] = (await manager.apply([configMap(ns, 'frozen', { a: 'git' })], { ignore }))
      .entries;
    expect(entry?.action).toBe(Action.Skipped);
    expect(entry?.reason).toBe('a drift ignore rule ignores the whole object');
    expect(await dataOf('frozen')).toEqual({ a: 'hand' });
  });
});

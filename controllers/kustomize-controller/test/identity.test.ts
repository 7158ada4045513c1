import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Kustomization } from '@tide/api';
import { sharedControlPlane, type SharedControlPlane } from '@tide/harness';
import { KubeClient, secretKind } from '@tide/kube';
import { ApplyIdentities } from '../src/identity.js';

/**
 * The apply managers kept per cluster and ServiceAccount are bounded: the least recently
 * used one goes, and a remote cluster's connections are closed with its last manager.
 */
describe('ApplyIdentities', () => {
  let plane: SharedControlPlane;
  let client: KubeClient;
  let namespace: string;

  const kustomization = (spec: Partial<Kustomization['spec']>): Kustomization => ({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'apps', namespace },
    spec: {
      interval: '1m',
      prune: false,
      sourceRef: { kind: 'GitRepository', name: 'repo' },
      ...spec,
    },
  });
  const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', name, namespace });

  beforeAll(async () => {
    plane = sharedControlPlane();
    client = new KubeClient({ kubeConfig: plane.kubeConfig });
    namespace = await plane.createNamespace('ks-identity');
    const kubeconfig = await readFile(plane.kubeconfigPath, 'utf8');
    for (const name of ['remote-a', 'remote-b'])
      await client.create(secretKind, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace },
        data: { value: Buffer.from(kubeconfig).toString('base64') },
      });
  });
  afterAll(() => {
    client.close();
  });

  it('keeps the most recently used managers up to the limit', async () => {
    const identities = new ApplyIdentities({ fieldManager: 'test', maxManagers: 2 });
    const as = (serviceAccountName: string) =>
      identities.for(kustomization({ serviceAccountName }), client);
    const a = await as('a');
    const b = await as('b');
    expect(await as('a')).toBe(a);
    // A third identity evicts the least recently used one (b), not the one just used.
    const c = await as('c');
    expect(await as('a')).toBe(a);
    expect(await as('c')).toBe(c);
    expect(await as('b')).not.toBe(b);
    expect(identities.size).toBe(2);
    identities.close();
  });

  it("closes a remote cluster's client when its last manager is evicted", async () => {
    const identities = new ApplyIdentities({ fieldManager: 'test', maxManagers: 1 });
    const remote = (name: string) =>
      identities.for(kustomization({ kubeConfig: { secretRef: { name } } }), client);
    const first = await remote('remote-a');
    expect(await first.get(configMap('absent'))).toBeUndefined();
    const second = await remote('remote-b');
    await expect(first.get(configMap('absent'))).rejects.toThrow(/client is closed/);
    expect(await second.get(configMap('absent'))).toBeUndefined();
    // The controller's own client is never closed by the cache: it is not the cache's.
    const own = await identities.for(kustomization({}), client);
    await expect(second.get(configMap('absent'))).rejects.toThrow(/client is closed/);
    expect(await own.get(configMap('absent'))).toBeUndefined();
    identities.close();
    expect(await client.list(secretKind, { namespace })).toMatchObject({
      items: expect.arrayContaining([expect.anything()]),
    });
  });
});

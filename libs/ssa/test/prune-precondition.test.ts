import { beforeAll, describe, expect, it } from '@jest/globals';
import { sharedControlPlane } from '@tide/harness';
import { KubeClient, refOf } from '@tide/kube';
import { deleteLive, type ManagerContext } from '../src/context.js';
import { ResourceMapper } from '../src/discovery.js';
import { configMap, fieldManager } from './fixtures.js';

/**
 * Prune reads an object, checks it may be deleted, then deletes it (review L7). The delete
 * carries the uid that was checked, so an object re-created under the same name in between is
 * not the one deleted.
 */
describe('deleteLive with the uid that was checked', () => {
  let ns: string;
  let client: KubeClient;
  let context: ManagerContext;
  const path = (name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`;
  const create = async (name: string): Promise<string> => {
    const created = (await client.request({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      body: configMap(ns, name, { a: '1' }),
    })) as { metadata: { uid: string } };
    return created.metadata.uid;
  };

  beforeAll(async () => {
    const plane = sharedControlPlane();
    ns = await plane.createNamespace('ssa-prune-uid');
    client = new KubeClient({ kubeConfig: plane.kubeConfig });
    context = { client, mapper: new ResourceMapper(client), fieldManager };
  });

  it('leaves an object re-created since it was read, and deletes the one read', async () => {
    const ref = refOf(configMap(ns, 'recreated', {}));
    const info = await context.mapper.resolve('v1', 'ConfigMap');
    const checked = await create('recreated');
    await client.request({ method: 'DELETE', path: path('recreated') });
    const recreated = await create('recreated');
    expect(recreated).not.toBe(checked);

    expect(await deleteLive(context, ref, info, 'Background', checked)).toBe(false);
    const live = (await client.request({ method: 'GET', path: path('recreated') })) as {
      metadata: { uid: string };
    };
    expect(live.metadata.uid).toBe(recreated);
    expect(await deleteLive(context, ref, info, 'Background', recreated)).toBe(true);
  });
});

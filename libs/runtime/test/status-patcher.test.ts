import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sharedControlPlane } from '@tide/harness';
import { markFalse, markTrue, StatusPatcher } from '../src/index.js';
import {
  condition,
  installWidgetCrd,
  testClient,
  widget,
  widgetKind,
  type Widget,
} from './widget.js';
import { PatchType, type KubeClient } from '@tide/kube';

// The patcher writes only what changed and keeps other writers' status through a conflict.
describe('status patcher', () => {
  const controlPlane = sharedControlPlane();
  let namespace: string;
  let client: KubeClient;

  beforeAll(async () => {
    await installWidgetCrd(controlPlane.connection);
    namespace = await controlPlane.createNamespace('runtime-patcher');
    client = testClient(controlPlane.kubeConfig);
  });

  afterAll(() => {
    client.close();
  });

  async function fresh(name: string): Promise<Widget> {
    await client.create(widgetKind, widget(namespace, name));
    return client.get<Widget>(widgetKind, namespace, name);
  }

  it('sends nothing when nothing changed', async () => {
    const obj = await fresh('unchanged');
    const patcher = new StatusPatcher(
      { client, kind: widgetKind, fieldManager: 'patcher-test' },
      obj,
    );
    expect(await patcher.patch(obj)).toBe(false);
    const after = await client.get<Widget>(widgetKind, namespace, 'unchanged');
    expect(after.metadata.resourceVersion).toBe(obj.metadata.resourceVersion);
  });

  it('re-applies its own changes on a conflict without losing the other writer’s', async () => {
    const obj = await fresh('contended');
    const patcher = new StatusPatcher(
      { client, kind: widgetKind, fieldManager: 'patcher-test' },
      obj,
    );
    markTrue(obj, 'Ready', 'Succeeded', 'ours');
    obj.status = { ...obj.status, artifact: { revision: 'main@sha1:abc' } };

    // Someone else writes status in between: our resourceVersion is now stale.
    await client.patch(
      widgetKind,
      { namespace, name: 'contended' },
      {
        status: {
          conditions: [
            {
              type: 'Foreign',
              status: 'True',
              reason: 'Theirs',
              message: 'theirs',
              lastTransitionTime: '2026-01-01T00:00:00Z',
            },
          ],
          theirs: 'kept',
        },
      },
      { type: PatchType.Merge, subresource: 'status' },
    );

    expect(await patcher.patch(obj)).toBe(true);
    const after = await client.get<Widget>(widgetKind, namespace, 'contended');
    expect(condition(after, 'Ready')).toMatchObject({ status: 'True', message: 'ours' });
    expect(condition(after, 'Foreign')).toMatchObject({ status: 'True', reason: 'Theirs' });
    expect(after.status?.artifact).toEqual({ revision: 'main@sha1:abc' });
    expect(after.status?.theirs).toBe('kept');
    expect(obj.metadata.resourceVersion).toBe(after.metadata.resourceVersion);
    const managers = (after.metadata.managedFields ?? []).map((f) => f.manager);
    expect(managers).toContain('patcher-test');

    // A second round patches only the difference and removes what we removed.
    markFalse(obj, 'Ready', 'Failed', 'now broken');
    obj.status = { ...obj.status, artifact: undefined };
    delete obj.status.artifact;
    expect(await patcher.patch(obj)).toBe(true);
    const second = await client.get<Widget>(widgetKind, namespace, 'contended');
    expect(condition(second, 'Ready')).toMatchObject({ status: 'False', reason: 'Failed' });
    expect(second.status?.artifact).toBeUndefined();
    expect(condition(second, 'Foreign')?.status).toBe('True');
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sharedControlPlane, waitFor } from '@tide/harness';
import type { Manager } from '../src/index.js';
import {
  condition,
  installWidgetCrd,
  sleep,
  testClient,
  testManager,
  waitForWidget,
  widget,
  widgetKind,
  type WidgetReconciler,
} from './widget.js';
import { isApiError, PatchType, type KubeClient } from '@tide/kube';

// spec.suspend stops reconciling; deletion runs the finalizer and lets the object go.
describe('suspend and deletion', () => {
  const controlPlane = sharedControlPlane();
  let namespace: string;
  let client: KubeClient;
  let manager: Manager;
  let reconciler: WidgetReconciler;

  beforeAll(async () => {
    await installWidgetCrd(controlPlane.connection);
    namespace = await controlPlane.createNamespace('runtime-suspend');
    client = testClient(controlPlane.kubeConfig);
    ({ manager, reconciler } = testManager({ kubeConfig: controlPlane.kubeConfig, namespace }));
    await manager.start();
  });

  afterAll(async () => {
    await manager.stop();
    client.close();
  });

  it('does not reconcile a suspended object until it is resumed', async () => {
    await client.create(widgetKind, widget(namespace, 'paused', { value: 'a', interval: '1s' }));
    await waitForWidget(
      client,
      namespace,
      'paused',
      (o) => o.status?.observedGeneration === 1,
      'reconciled',
    );
    await client.patch(
      widgetKind,
      { namespace, name: 'paused' },
      { spec: { suspend: true, value: 'b' } },
      { type: PatchType.Merge },
    );
    await sleep(2500);
    const whileSuspended = reconciler.callsFor('paused');
    expect(whileSuspended.every((c) => c.generation === 1)).toBe(true);
    const suspended = await client.get<{
      status?: { observedGeneration?: number };
      metadata: object;
    }>(widgetKind, namespace, 'paused');
    expect(suspended.status?.observedGeneration).toBe(1);

    await client.patch(
      widgetKind,
      { namespace, name: 'paused' },
      { spec: { suspend: false } },
      { type: PatchType.Merge },
    );
    const resumed = await waitForWidget(
      client,
      namespace,
      'paused',
      (o) => o.status?.observedGeneration === 3,
      'resumed and reconciled',
    );
    expect(condition(resumed, 'Ready')?.status).toBe('True');
    expect(reconciler.callsFor('paused').at(-1)?.generation).toBe(3);
  });

  it('runs the finalizer on delete and the object disappears', async () => {
    await client.create(widgetKind, widget(namespace, 'doomed'));
    await waitForWidget(
      client,
      namespace,
      'doomed',
      (o) => (o.metadata.finalizers ?? []).length > 0,
      'finalizer added',
    );
    await client.delete(widgetKind, namespace, 'doomed');
    await waitFor(
      async () => {
        try {
          await client.get(widgetKind, namespace, 'doomed');
          return undefined;
        } catch (error) {
          if (isApiError(error, 404)) return true;
          throw error;
        }
      },
      { timeoutMs: 20_000, what: 'the widget to be gone' },
    );
    expect(reconciler.finalized).toEqual([`${namespace}/doomed`]);
  });

  it('runs the finalizer of a suspended object too', async () => {
    await client.create(widgetKind, widget(namespace, 'suspended-doomed', { suspend: true }));
    await waitForWidget(
      client,
      namespace,
      'suspended-doomed',
      (o) => (o.metadata.finalizers ?? []).length > 0,
      'finalizer added',
    );
    expect(reconciler.callsFor('suspended-doomed')).toHaveLength(0);
    await client.delete(widgetKind, namespace, 'suspended-doomed');
    await waitFor(
      () =>
        Promise.resolve(
          reconciler.finalized.includes(`${namespace}/suspended-doomed`) ? true : undefined,
        ),
      {
        timeoutMs: 20_000,
        what: 'the finalizer to run',
      },
    );
  });
});

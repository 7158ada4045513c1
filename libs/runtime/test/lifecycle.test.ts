import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sharedControlPlane } from '@tide/harness';
import { finalizerName, reconcileRequestAnnotation, type Manager } from '../src/index.js';
import {
  condition,
  installWidgetCrd,
  testClient,
  testManager,
  waitForWidget,
  widget,
  widgetKind,
  type WidgetReconciler,
} from './widget.js';
import { PatchType, type KubeClient } from '@tide/kube';

// Create, spec change and on-demand reconcile of one object, through a real API server.
describe('reconcile lifecycle', () => {
  const controlPlane = sharedControlPlane();
  let namespace: string;
  let client: KubeClient;
  let manager: Manager;
  let reconciler: WidgetReconciler;

  beforeAll(async () => {
    await installWidgetCrd(controlPlane.connection);
    namespace = await controlPlane.createNamespace('runtime-lifecycle');
    client = testClient(controlPlane.kubeConfig);
    ({ manager, reconciler } = testManager({ kubeConfig: controlPlane.kubeConfig, namespace }));
    await manager.start();
  });

  afterAll(async () => {
    await manager.stop();
    client.close();
  });

  it('makes a new object Ready=True with observedGeneration and the finalizer', async () => {
    await client.create(widgetKind, widget(namespace, 'created', { value: 'a' }));
    const w = await waitForWidget(
      client,
      namespace,
      'created',
      (o) => condition(o, 'Ready')?.status === 'True',
      'Ready=True',
    );
    expect(w.status?.observedGeneration).toBe(1);
    expect(condition(w, 'Ready')).toMatchObject({ reason: 'Succeeded', observedGeneration: 1 });
    expect(condition(w, 'Reconciling')).toBeUndefined();
    expect(w.metadata.finalizers).toContain(finalizerName);
    expect(reconciler.callsFor('created')[0]?.reconcileID).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      w.metadata.managedFields?.some(
        (f) => f.manager === 'runtime-test' && f.subresource === 'status',
      ),
    ).toBe(true);
  });

  it('reconciles again when the spec changes', async () => {
    await client.create(widgetKind, widget(namespace, 'changed', { value: 'a' }));
    await waitForWidget(
      client,
      namespace,
      'changed',
      (o) => o.status?.observedGeneration === 1,
      'generation 1 observed',
    );
    await client.patch(
      widgetKind,
      { namespace, name: 'changed' },
      { spec: { value: 'b' } },
      { type: PatchType.Merge },
    );
    const w = await waitForWidget(
      client,
      namespace,
      'changed',
      (o) => o.status?.observedGeneration === 2,
      'generation 2 observed',
    );
    expect(condition(w, 'Ready')).toMatchObject({ status: 'True', observedGeneration: 2 });
    expect(reconciler.callsFor('changed').map((c) => c.generation)).toEqual([1, 2]);
  });

  it('answers the requestedAt annotation with lastHandledReconcileAt', async () => {
    await client.create(widgetKind, widget(namespace, 'requested'));
    await waitForWidget(
      client,
      namespace,
      'requested',
      (o) => o.status?.observedGeneration === 1,
      'reconciled',
    );
    const before = reconciler.callsFor('requested').length;
    const requestedAt = new Date().toISOString();
    await client.patch(
      widgetKind,
      { namespace, name: 'requested' },
      { metadata: { annotations: { [reconcileRequestAnnotation]: requestedAt } } },
      { type: PatchType.Merge },
    );
    const w = await waitForWidget(
      client,
      namespace,
      'requested',
      (o) => o.status?.lastHandledReconcileAt === requestedAt,
      'lastHandledReconcileAt',
    );
    expect(reconciler.callsFor('requested').length).toBe(before + 1);
    expect(w.metadata.generation).toBe(1);
  });

  it('does not reconcile on its own status writes', async () => {
    await client.create(widgetKind, widget(namespace, 'quiet'));
    await waitForWidget(
      client,
      namespace,
      'quiet',
      (o) => o.status?.observedGeneration === 1,
      'reconciled',
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(reconciler.callsFor('quiet')).toHaveLength(1);
  });

  it('requeues on spec.interval', async () => {
    await client.create(widgetKind, widget(namespace, 'periodic', { interval: '1s' }));
    await waitForWidget(
      client,
      namespace,
      'periodic',
      (o) => o.status?.observedGeneration === 1,
      'reconciled',
    );
    await new Promise((resolve) => setTimeout(resolve, 3500));
    // 1s ± 5% jitter: two or three more runs in 3.5s, all of generation 1.
    const calls = reconciler.callsFor('periodic');
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(calls.length).toBeLessThanOrEqual(5);
    expect(new Set(calls.map((c) => c.generation))).toEqual(new Set([1]));
  });
});

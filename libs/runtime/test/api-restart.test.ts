import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startControlPlane, waitFor, type ControlPlane } from '@tide/harness';
import type { Manager } from '../src/index.js';
import {
  condition,
  testClient,
  testManager,
  waitForWidget,
  widget,
  widgetKind,
  writeWidgetCrdFile,
  type WidgetReconciler,
} from './widget.js';
import { isApiError, PatchType, type KubeClient } from '@tide/kube';

// The API server goes away under a running manager; its watches must come back and catch up.
describe('API server restart', () => {
  let controlPlane: ControlPlane;
  let client: KubeClient;
  let manager: Manager;
  let reconciler: WidgetReconciler;
  const namespace = 'default';

  beforeAll(async () => {
    controlPlane = await startControlPlane();
    const crd = await writeWidgetCrdFile();
    try {
      await controlPlane.installCrds([crd.path]);
    } finally {
      await crd.remove();
    }
    client = testClient(controlPlane.kubeConfig);
    ({ manager, reconciler } = testManager({
      kubeConfig: controlPlane.kubeConfig,
      namespace,
      watch: { watchdogMs: 15_000, maxBackoffMs: 1_000 },
    }));
    await manager.start();
  }, 180_000);

  afterAll(async () => {
    await manager.stop();
    client.close();
    await controlPlane.stop();
  });

  it('recovers its watch and reconciles what changed after the restart', async () => {
    await client.create(widgetKind, widget(namespace, 'kept', { value: 'a' }));
    await client.create(widgetKind, widget(namespace, 'removed'));
    await waitForWidget(
      client,
      namespace,
      'kept',
      (o) => o.status?.observedGeneration === 1,
      'reconciled',
    );
    await waitForWidget(
      client,
      namespace,
      'removed',
      (o) => o.status?.observedGeneration === 1,
      'reconciled',
    );
    const informer = manager.informer(widgetKind);
    const before = { ...informer.stats };

    await controlPlane.restartApiServer(2_000);

    // Changed right away, whether or not the informer has reconnected yet.
    await client.patch(
      widgetKind,
      { namespace, name: 'kept' },
      { spec: { value: 'b' } },
      { type: PatchType.Merge },
    );
    await client.create(widgetKind, widget(namespace, 'added'));
    await client.delete(widgetKind, namespace, 'removed');

    const kept = await waitForWidget(
      client,
      namespace,
      'kept',
      (o) => o.status?.observedGeneration === 2,
      'generation 2 reconciled',
      30_000,
    );
    expect(condition(kept, 'Ready')?.status).toBe('True');
    const added = await waitForWidget(
      client,
      namespace,
      'added',
      (o) => condition(o, 'Ready')?.status === 'True',
      'Ready',
      30_000,
    );
    expect(added.status?.observedGeneration).toBe(1);
    await waitFor(
      async () => {
        try {
          await client.get(widgetKind, namespace, 'removed');
          return undefined;
        } catch (error) {
          if (isApiError(error, 404)) return true;
          throw error;
        }
      },
      { timeoutMs: 30_000, what: 'the deleted widget to be finalized and gone' },
    );
    expect(reconciler.finalized).toContain(`${namespace}/removed`);
    // The old watch broke, and resuming failed with 410 Gone: a restarted API server's watch
    // cache starts at etcd's current revision (which its own start-up writes moved past
    // ours), so the informer had to relist — and the relist reported the deletion.
    expect(informer.stats.reconnects).toBeGreaterThan(before.reconnects);
    expect(informer.stats.gone).toBeGreaterThan(before.gone);
    expect(informer.stats.lists).toBeGreaterThan(before.lists);
    expect(informer.stats.watches).toBeGreaterThan(before.watches);
  });
});

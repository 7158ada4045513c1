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
import { PatchType, type KubeClient } from '@tide/kube';

interface CoreEvent {
  reason?: string;
  type?: string;
  count?: number;
  involvedObject?: { name?: string };
}

// Typed errors from a reconciler: conditions, retries with growing delay, events, stalling.
describe('reconciler errors', () => {
  const controlPlane = sharedControlPlane();
  let namespace: string;
  let client: KubeClient;
  let manager: Manager;
  let reconciler: WidgetReconciler;

  beforeAll(async () => {
    await installWidgetCrd(controlPlane.connection);
    namespace = await controlPlane.createNamespace('runtime-errors');
    client = testClient(controlPlane.kubeConfig);
    ({ manager, reconciler } = testManager({
      kubeConfig: controlPlane.kubeConfig,
      namespace,
      runtime: { minRetryDelayMs: 100, maxRetryDelayMs: 1_600 },
    }));
    await manager.start();
  });

  afterAll(async () => {
    await manager.stop();
    client.close();
  });

  it('sets Ready=False and retries with a growing delay, then recovers', async () => {
    await client.create(widgetKind, widget(namespace, 'broken', { fail: true }));
    const failed = await waitForWidget(
      client,
      namespace,
      'broken',
      (o) => condition(o, 'Ready')?.status === 'False',
      'Ready=False',
    );
    expect(condition(failed, 'Ready')).toMatchObject({
      reason: 'WidgetFailed',
      message: 'the widget broke',
    });
    expect(condition(failed, 'Reconciling')).toMatchObject({
      status: 'True',
      reason: 'ProgressingWithRetry',
    });
    expect(failed.status?.observedGeneration).toBeUndefined();

    // 100, 200, 400, 800, 1600 (cap), 1600 ms between attempts.
    await waitFor(
      () => Promise.resolve(reconciler.callsFor('broken').length >= 7 ? true : undefined),
      {
        timeoutMs: 20_000,
        what: 'seven attempts',
      },
    );
    const at = reconciler.callsFor('broken').map((c) => c.at);
    const gaps = at.slice(1).map((t, i) => t - (at[i] ?? t));
    // A retry never comes before its backoff, which doubles up to the cap; uncapped, the
    // sixth would wait 3.2s.
    const backoff = [100, 200, 400, 800, 1_600, 1_600];
    backoff.forEach((delay, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(delay - 5);
    });
    expect(gaps[5]).toBeLessThan(3_200);

    // One Warning Event, counted rather than repeated.
    const events = (await client.request({
      method: 'GET',
      path: `/api/v1/namespaces/${namespace}/events`,
    })) as {
      items: CoreEvent[];
    };
    const warnings = events.items.filter(
      (e) => e.involvedObject?.name === 'broken' && e.reason === 'WidgetFailed',
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.type).toBe('Warning');
    expect(warnings[0]?.count).toBeGreaterThanOrEqual(5);

    await client.patch(
      widgetKind,
      { namespace, name: 'broken' },
      { spec: { fail: false } },
      { type: PatchType.Merge },
    );
    const fixed = await waitForWidget(
      client,
      namespace,
      'broken',
      (o) => condition(o, 'Ready')?.status === 'True',
      'Ready=True',
    );
    expect(fixed.status?.observedGeneration).toBe(2);
    expect(condition(fixed, 'Reconciling')).toBeUndefined();
    const attempts = reconciler.callsFor('broken').length;
    await sleep(2_000);
    expect(reconciler.callsFor('broken')).toHaveLength(attempts);
  });

  it('marks a stalling error Stalled=True and does not retry it', async () => {
    await client.create(widgetKind, widget(namespace, 'invalid', { stall: true }));
    const stalled = await waitForWidget(
      client,
      namespace,
      'invalid',
      (o) => condition(o, 'Stalled')?.status === 'True',
      'Stalled=True',
    );
    expect(condition(stalled, 'Ready')).toMatchObject({ status: 'False', reason: 'WidgetInvalid' });
    expect(condition(stalled, 'Reconciling')).toBeUndefined();
    expect(stalled.status?.observedGeneration).toBe(1);
    await sleep(1_500);
    expect(reconciler.callsFor('invalid')).toHaveLength(1);
  });
});

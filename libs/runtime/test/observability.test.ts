import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sharedControlPlane, waitFor } from '@tide/harness';
import type { Manager } from '../src/index.js';
import {
  condition,
  installWidgetCrd,
  LogLines,
  testClient,
  testManager,
  waitForWidget,
  widget,
  widgetKind,
} from './widget.js';
import type { KubeClient } from '@tide/kube';

async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

/** The value of one sample line of the Prometheus text format, matched by name and labels. */
function sample(
  metrics: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

// What people watch a controller by: /metrics, /healthz, /readyz and its JSON log lines.
describe('metrics, probes and logs', () => {
  const controlPlane = sharedControlPlane();
  const logs = new LogLines();
  let namespace: string;
  let client: KubeClient;
  let manager: Manager;

  beforeAll(async () => {
    await installWidgetCrd(controlPlane.connection);
    namespace = await controlPlane.createNamespace('runtime-metrics');
    client = testClient(controlPlane.kubeConfig);
    ({ manager } = testManager({ kubeConfig: controlPlane.kubeConfig, namespace, logs }));
    await manager.start();
    await client.create(widgetKind, widget(namespace, 'good'));
    await client.create(widgetKind, widget(namespace, 'bad', { fail: true }));
    await client.create(widgetKind, widget(namespace, 'paused', { suspend: true }));
    await waitForWidget(
      client,
      namespace,
      'good',
      (o) => condition(o, 'Ready')?.status === 'True',
      'Ready',
    );
    await waitForWidget(
      client,
      namespace,
      'bad',
      (o) => condition(o, 'Ready')?.status === 'False',
      'failed',
    );
    await waitFor(
      () =>
        Promise.resolve(
          (manager.controller(widgetKind)?.queue.backoff.retries(`${namespace}/bad`) ?? 0) >= 3
            ? true
            : undefined,
        ),
      {
        timeoutMs: 10_000,
        what: 'three retries',
      },
    );
  });

  afterAll(async () => {
    await manager.stop();
    client.close();
  });

  it('serves the gotk, work-queue and process metrics with real values', async () => {
    const url = manager.endpointUrls.metrics;
    if (url === undefined) throw new Error('no metrics endpoint');
    const { status, body } = await get(`${url}/metrics`);
    expect(status).toBe(200);
    const good = { kind: 'Widget', name: 'good', namespace };
    const bad = { kind: 'Widget', name: 'bad', namespace };
    expect(sample(body, 'gotk_reconcile_duration_seconds_count', good)).toBeGreaterThanOrEqual(1);
    expect(sample(body, 'gotk_reconcile_duration_seconds_bucket', { ...good, le: '1e-8' })).toBe(0);
    expect(
      sample(body, 'gotk_reconcile_duration_seconds_bucket', { ...good, le: '10' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(body, 'gotk_reconcile_condition', { ...good, type: 'Ready', status: 'True' }),
    ).toBe(1);
    expect(
      sample(body, 'gotk_reconcile_condition', { ...good, type: 'Ready', status: 'False' }),
    ).toBe(0);
    expect(
      sample(body, 'gotk_reconcile_condition', { ...bad, type: 'Ready', status: 'False' }),
    ).toBe(1);
    expect(sample(body, 'gotk_suspend_status', { kind: 'Widget', name: 'paused', namespace })).toBe(
      1,
    );
    expect(sample(body, 'gotk_suspend_status', good)).toBe(0);
    expect(sample(body, 'workqueue_adds_total', { name: 'widget' })).toBeGreaterThanOrEqual(3);
    expect(sample(body, 'workqueue_retries_total', { name: 'widget' })).toBeGreaterThanOrEqual(3);
    expect(sample(body, 'workqueue_depth', { name: 'widget' })).toBeGreaterThanOrEqual(0);
    expect(
      sample(body, 'workqueue_queue_duration_seconds_count', { name: 'widget' }),
    ).toBeGreaterThanOrEqual(3);
    expect(
      sample(body, 'workqueue_work_duration_seconds_count', { name: 'widget' }),
    ).toBeGreaterThanOrEqual(3);
    expect(
      sample(body, 'workqueue_longest_running_processor_seconds', { name: 'widget' }),
    ).toBeGreaterThanOrEqual(0);
    expect(
      sample(body, 'controller_runtime_reconcile_total', {
        controller: 'widget',
        result: 'success',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(body, 'controller_runtime_reconcile_errors_total', { controller: 'widget' }),
    ).toBeGreaterThanOrEqual(3);
    expect(
      sample(body, 'controller_runtime_max_concurrent_reconciles', { controller: 'widget' }),
    ).toBe(2);
    expect(sample(body, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(sample(body, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  });

  it('drops the series of an object once it is deleted', async () => {
    const url = manager.endpointUrls.metrics;
    if (url === undefined) throw new Error('no metrics endpoint');
    const gone = { kind: 'Widget', name: 'short-lived', namespace };
    const suspended = { kind: 'Widget', name: 'short-paused', namespace };
    await client.create(widgetKind, widget(namespace, gone.name));
    await client.create(widgetKind, widget(namespace, suspended.name, { suspend: true }));
    await waitForWidget(
      client,
      namespace,
      gone.name,
      (o) => condition(o, 'Ready')?.status === 'True',
      'Ready',
    );
    await waitFor(
      async () =>
        sample((await get(`${url}/metrics`)).body, 'gotk_suspend_status', suspended) === 1
          ? true
          : undefined,
      { timeoutMs: 10_000, what: 'the suspended widget in /metrics' },
    );
    const before = (await get(`${url}/metrics`)).body;
    expect(sample(before, 'gotk_reconcile_duration_seconds_count', gone)).toBeGreaterThanOrEqual(1);
    expect(sample(before, 'gotk_reconcile_condition', { ...gone, status: 'True' })).toBe(1);

    for (const name of [gone.name, suspended.name])
      await client.delete(widgetKind, namespace, name);
    const series = (body: string) =>
      body
        .split('\n')
        .filter(
          (line) =>
            line.includes(`namespace="${namespace}"`) &&
            (line.includes(`name="${gone.name}"`) || line.includes(`name="${suspended.name}"`)),
        );
    const left = await waitFor(
      async () => {
        const body = (await get(`${url}/metrics`)).body;
        return series(body).length === 0 ? [] : undefined;
      },
      { timeoutMs: 10_000, what: 'the deleted widgets to leave /metrics' },
    ).catch(async () => series((await get(`${url}/metrics`)).body));
    expect(left).toEqual([]);
  });

  it('answers /healthz and /readyz once the caches have synced', async () => {
    const url = manager.endpointUrls.health;
    if (url === undefined) throw new Error('no health endpoint');
    expect(await get(`${url}/healthz`)).toEqual({ status: 200, body: 'ok\n' });
    expect(await get(`${url}/readyz`)).toEqual({ status: 200, body: 'ok\n' });
    expect((await get(`${url}/nope`)).status).toBe(404);
  });

  it('logs JSON lines with the reconcile fields', () => {
    const line = logs.lines.find((l) => l.name === 'good' && typeof l.reconcileID === 'string');
    expect(line).toMatchObject({ level: 'info', controller: 'widget', kind: 'Widget', namespace });
    expect(typeof line?.msg).toBe('string');
    expect(Number.isNaN(Date.parse(String(line?.ts)))).toBe(false);
    const error = logs.lines.find((l) => l.name === 'bad' && l.level === 'error');
    expect(error).toMatchObject({ reason: 'WidgetFailed', controller: 'widget' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sharedControlPlane, waitFor } from '@tide/harness';
import { Result, stopGraceAfterAbortMs, type ReconcileContext } from '../src/index.js';
import {
  condition,
  installWidgetCrd,
  testClient,
  testManager,
  widget,
  widgetKind,
  WidgetReconciler,
  type Widget,
} from './widget.js';
import type { KubeClient } from '@tide/kube';

/** Takes `ms` per reconcile unless the context's signal says stop. */
class SlowReconciler extends WidgetReconciler {
  aborted = false;
  constructor(private readonly ms: number) {
    super();
  }
  override async reconcile(obj: Widget, context: ReconcileContext): Promise<Result> {
    await super.reconcile(obj, context);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.ms);
      context.signal.addEventListener('abort', () => {
        this.aborted = true;
        clearTimeout(timer);
        resolve();
      });
    });
    return Result.Success;
  }
}

/** Takes `ms` per reconcile and ignores its signal: a step that cannot be cancelled. */
class StuckReconciler extends WidgetReconciler {
  finished: Promise<void> | undefined;
  constructor(private readonly ms: number) {
    super();
  }
  override async reconcile(obj: Widget, context: ReconcileContext): Promise<Result> {
    await super.reconcile(obj, context);
    this.finished = new Promise<void>((resolve) => setTimeout(resolve, this.ms));
    await this.finished;
    return Result.Success;
  }
}

// stop() lets in-flight reconciles finish and write their status, up to the timeout.
describe('graceful stop', () => {
  const controlPlane = sharedControlPlane();
  let client: KubeClient;

  beforeAll(async () => {
    await installWidgetCrd(controlPlane.connection);
    client = testClient(controlPlane.kubeConfig);
  });

  afterAll(() => {
    client.close();
  });

  it.each([
    {
      name: 'finishes an in-flight reconcile',
      reconcileMs: 1_500,
      timeoutMs: 10_000,
      aborted: false,
    },
    {
      name: 'aborts one that outlasts the timeout',
      reconcileMs: 60_000,
      timeoutMs: 500,
      aborted: true,
    },
  ])('$name', async ({ reconcileMs, timeoutMs, aborted }) => {
    const namespace = await controlPlane.createNamespace('runtime-stop');
    const reconciler = new SlowReconciler(reconcileMs);
    const { manager } = testManager({
      kubeConfig: controlPlane.kubeConfig,
      namespace,
      reconciler,
      runtime: { gracefulShutdownTimeoutMs: timeoutMs },
    });
    await manager.start();
    await client.create(widgetKind, widget(namespace, 'busy'));
    await waitFor(() => Promise.resolve(reconciler.calls.length > 0 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'a reconcile to start',
    });

    const stopping = Date.now();
    await manager.stop();
    const tookMs = Date.now() - stopping;
    expect(reconciler.aborted).toBe(aborted);
    if (aborted) expect(tookMs).toBeLessThan(timeoutMs + 2_000);
    else expect(tookMs).toBeGreaterThan(reconcileMs - 500);
    // Either way the reconcile ended through the loop and its status was written.
    const after = await client.get<Widget>(widgetKind, namespace, 'busy');
    expect(condition(after, 'Ready')?.status).toBe('True');
    expect(manager.isLeader).toBe(false);
  });

  it('abandons a reconcile that ignores its signal, so shutdown is bounded (M8)', async () => {
    const namespace = await controlPlane.createNamespace('runtime-stop');
    const reconciler = new StuckReconciler(stopGraceAfterAbortMs + 4_000);
    const { manager } = testManager({
      kubeConfig: controlPlane.kubeConfig,
      namespace,
      reconciler,
      runtime: { gracefulShutdownTimeoutMs: 300 },
    });
    await manager.start();
    await client.create(widgetKind, widget(namespace, 'stuck'));
    await waitFor(() => Promise.resolve(reconciler.finished === undefined ? undefined : true), {
      timeoutMs: 10_000,
      what: 'a reconcile to start',
    });
    const stopping = Date.now();
    await manager.stop();
    const tookMs = Date.now() - stopping;
    expect(tookMs).toBeGreaterThanOrEqual(300 + stopGraceAfterAbortMs - 100);
    expect(tookMs).toBeLessThan(300 + stopGraceAfterAbortMs + 2_000);
    expect(manager.isLeader).toBe(false);
    // Let the abandoned reconcile end before the next test file runs.
    await reconciler.finished;
  });
});

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, startControlPlane, type ControlPlane } from '@tide/harness';
import {
  createLogger,
  Manager,
  Result,
  type ReconcilableObject,
  type Reconciler,
} from '@tide/runtime';
import type { Benchmark } from '../measure.js';
import { KubeClient, PatchType, type KindRef, type KubeObject } from '@tide/kube';

/**
 * Reconciles per second of @tide/runtime: 1,000 objects of a test CRD, a reconciler that does
 * nothing, a real kube-apiserver. The first reconcile of an object costs four API writes
 * (finalizer, Reconciling=True for the new generation, final status, the Event for becoming
 * Ready). Beside it, measured in the same run at the same concurrency: the same four writes
 * per object sent by a plain client loop with no runtime around it (the API server's ceiling
 * for this work), and the create rate of the objects.
 */

const objects = 1_000;
const concurrencies = [4, 16] as const;

const eventKind: KindRef = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  namespaced: true,
};

const benchKind: KindRef = {
  group: 'bench.tide.dev',
  version: 'v1',
  kind: 'Gadget',
  plural: 'gadgets',
  namespaced: true,
};

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${benchKind.plural}.${benchKind.group}` },
  spec: {
    group: benchKind.group,
    names: { kind: 'Gadget', listKind: 'GadgetList', plural: 'gadgets', singular: 'gadget' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            'x-kubernetes-preserve-unknown-fields': true,
          },
        },
      },
    ],
  },
};

class NoopReconciler implements Reconciler {
  readonly kind = benchKind;
  readonly conditions = { owned: [] };
  reconcile(): Promise<Result> {
    return Promise.resolve(Result.Success);
  }
}

async function installCrd(controlPlane: ControlPlane): Promise<void> {
  const dir = await makeTempDir('bench-runtime');
  try {
    const path = join(dir.path, 'gadgets.yaml');
    await writeFile(path, JSON.stringify(crd));
    await controlPlane.installCrds([path]);
  } finally {
    await dir.remove();
  }
}

/** Runs `task` over 0..count-1 with `concurrency` in flight. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({ length: concurrency }, async () => {
    while (next < count) await task(next++);
  });
  await Promise.all(lanes);
}

async function createAll(
  client: KubeClient,
  namespace: string,
  concurrency: number,
): Promise<number> {
  const started = performance.now();
  await pool(objects, concurrency, (i) =>
    client
      .create(benchKind, {
        apiVersion: 'bench.tide.dev/v1',
        kind: 'Gadget',
        metadata: { name: `g-${i}`, namespace },
        spec: { interval: '1h' },
      })
      .then(() => undefined),
  );
  return (performance.now() - started) / 1000;
}

async function createNamespace(client: KubeClient, name: string): Promise<void> {
  const namespaces: KindRef = {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
  };
  await client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/**
 * The writes a first reconcile makes, without the runtime: finalizer, two status patches and
 * an Event, for every object, `concurrency` objects in flight.
 */
async function rawWrites(
  client: KubeClient,
  namespace: string,
  concurrency: number,
): Promise<number> {
  const now = new Date().toISOString().slice(0, 19) + 'Z';
  const condition = (type: string, reason: string) => ({
    type,
    status: 'True',
    observedGeneration: 1,
    lastTransitionTime: now,
    reason,
    message: reason,
  });
  const started = performance.now();
  await pool(objects, concurrency, async (i) => {
    const target = { namespace, name: `g-${i}` };
    await client.patch(
      benchKind,
      target,
      { metadata: { finalizers: ['finalizers.fluxcd.io'] } },
      { type: PatchType.Merge, fieldManager: 'bench-raw' },
    );
    await client.patch(
      benchKind,
      target,
      { status: { conditions: [condition('Reconciling', 'Progressing')] } },
      { type: PatchType.Merge, fieldManager: 'bench-raw', subresource: 'status' },
    );
    await client.patch(
      benchKind,
      target,
      { status: { observedGeneration: 1, conditions: [condition('Ready', 'Succeeded')] } },
      { type: PatchType.Merge, fieldManager: 'bench-raw', subresource: 'status' },
    );
    await client.create(eventKind, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `g-${i}.${Date.now().toString(16)}`, namespace },
      involvedObject: {
        apiVersion: 'bench.tide.dev/v1',
        kind: 'Gadget',
        name: `g-${i}`,
        namespace,
      },
      type: 'Normal',
      reason: 'Succeeded',
      message: 'Reconciliation succeeded',
      source: { component: 'bench-raw' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    } as KubeObject);
  });
  return (performance.now() - started) / 1000;
}

/** Starts a manager over objects that already exist and times until all are Ready. */
async function reconcileAll(
  controlPlane: ControlPlane,
  namespace: string,
  concurrent: number,
  rss: { peak: number },
): Promise<number> {
  const manager = new Manager({
    name: 'bench-runtime',
    kubeConfig: controlPlane.kubeConfig,
    namespace,
    logger: createLogger({ level: 'silent' }),
    runtime: { metricsAddr: '0', healthAddr: '0', watchAllNamespaces: false, concurrent },
  });
  manager.register(new NoopReconciler());
  const informer = manager.informer<ReconcilableObject>(benchKind);
  const started = performance.now();
  try {
    await manager.start();
    for (;;) {
      rss.peak = Math.max(rss.peak, process.memoryUsage().rss);
      const done = informer.list().filter((o) => o.status?.observedGeneration === 1).length;
      if (done === objects) break;
      if (performance.now() - started > 600_000)
        throw new Error(`only ${done} of ${objects} reconciled in 10 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return (performance.now() - started) / 1000;
  } finally {
    await manager.stop();
  }
}

export const runtimeReconcile: Benchmark = {
  name: 'runtime',
  description: `@tide/runtime reconciles/s for ${objects} objects of a test CRD (no-op reconciler) vs the same API writes from a plain loop`,
  async run() {
    const controlPlane = await startControlPlane();
    const client = new KubeClient({ kubeConfig: controlPlane.kubeConfig });
    const lines: string[] = [];
    try {
      await installCrd(controlPlane);
      const rss = { peak: process.memoryUsage().rss };
      const baseline = rss.peak;
      for (const concurrency of concurrencies) {
        const runtimeNamespace = `bench-runtime-${concurrency}`;
        const rawNamespace = `bench-raw-${concurrency}`;
        await createNamespace(client, runtimeNamespace);
        await createNamespace(client, rawNamespace);
        const createSeconds = await createAll(client, runtimeNamespace, concurrency);
        await createAll(client, rawNamespace, concurrency);
        const reconcileSeconds = await reconcileAll(
          controlPlane,
          runtimeNamespace,
          concurrency,
          rss,
        );
        const rawSeconds = await rawWrites(client, rawNamespace, concurrency);
        const reconcileRate = objects / reconcileSeconds;
        const rawRate = objects / rawSeconds;
        lines.push(
          `--concurrent=${concurrency}: runtime ${reconcileRate.toFixed(0)} reconciles/s (${reconcileSeconds.toFixed(1)} s) | ` +
            `same 4 writes/object from a plain loop: ${rawRate.toFixed(0)} objects/s (${rawSeconds.toFixed(1)} s) | ` +
            `ratio ${(reconcileRate / rawRate).toFixed(2)} | creates: ${(objects / createSeconds).toFixed(0)}/s`,
        );
      }
      lines.push(
        `peak RSS of the benchmark process: ${(rss.peak / 2 ** 20).toFixed(0)} MiB (${(baseline / 2 ** 20).toFixed(0)} MiB before the first manager started)`,
      );
      return lines;
    } finally {
      client.close();
      await controlPlane.stop();
    }
  },
};

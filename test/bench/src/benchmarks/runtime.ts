import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, startControlPlane, type ControlPlane } from '@tide/harness';
import {
  createLogger,
  KubeClient,
  Manager,
  Result,
  type KindRef,
  type ReconcilableObject,
  type Reconciler,
} from '@tide/runtime';
import type { Benchmark } from '../measure.js';

/**
 * Reconciles per second of @tide/runtime: 1,000 objects of a test CRD, a reconciler that does
 * nothing, a real kube-apiserver. Every reconcile of a new object costs the runtime three API
 * writes (finalizer, Reconciling=True for the new generation, final status), so beside it we
 * time the plainest thing the same API server can do with those objects — creating them with
 * the same concurrency — as the ceiling.
 */

const objects = 1_000;
const concurrencies = [4, 16] as const;

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
  description: `@tide/runtime reconciles/s for ${objects} objects of a test CRD (no-op reconciler) vs creating them (ceiling)`,
  async run() {
    const controlPlane = await startControlPlane();
    const client = new KubeClient({ kubeConfig: controlPlane.kubeConfig });
    const lines: string[] = [];
    try {
      await installCrd(controlPlane);
      const rss = { peak: process.memoryUsage().rss };
      const baseline = rss.peak;
      for (const concurrency of concurrencies) {
        const namespace = `bench-${concurrency}`;
        await createNamespace(client, namespace);
        const createSeconds = await createAll(client, namespace, concurrency);
        const reconcileSeconds = await reconcileAll(controlPlane, namespace, concurrency, rss);
        const reconcileRate = objects / reconcileSeconds;
        const createRate = objects / createSeconds;
        lines.push(
          `--concurrent=${concurrency}: ${reconcileRate.toFixed(0)} reconciles/s (${reconcileSeconds.toFixed(2)} s, 3 writes each) | ` +
            `ceiling: ${createRate.toFixed(0)} creates/s at ${concurrency} in flight | ` +
            `reconcile writes/s ÷ create writes/s: ${((3 * reconcileRate) / createRate).toFixed(2)}`,
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

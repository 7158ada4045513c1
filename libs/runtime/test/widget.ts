import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { apiRequest, makeTempDir, waitFor, type ApiConnection } from '@tide/harness';
import {
  createLogger,
  GenericError,
  Manager,
  Result,
  StallingError,
  type ManagerOptions,
  type ReconcileContext,
  type ReconcilableObject,
  type Reconciler,
  type RuntimeOptions,
} from '../src/index.js';
import { KubeClient, type KindRef } from '@tide/kube';

/**
 * The test kind every runtime integration test reconciles: `Widget` in a group of its own
 * (`runtime.test.tide.dev`), so it never meets another package's CRDs on the shared control
 * plane. Its reconciler records each call and fails or stalls when the spec says so.
 */

export const widgetKind: KindRef = {
  group: 'runtime.test.tide.dev',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
};

export interface Widget extends ReconcilableObject {
  spec?: {
    interval?: string;
    suspend?: boolean;
    value?: string;
    /** Throw a GenericError with reason WidgetFailed. */
    fail?: boolean;
    /** Throw a StallingError with reason WidgetInvalid. */
    stall?: boolean;
  };
}

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${widgetKind.plural}.${widgetKind.group}` },
  spec: {
    group: widgetKind.group,
    names: { kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget' },
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
            properties: {
              spec: {
                type: 'object',
                properties: {
                  interval: { type: 'string' },
                  suspend: { type: 'boolean' },
                  value: { type: 'string' },
                  fail: { type: 'boolean' },
                  stall: { type: 'boolean' },
                },
              },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    ],
  },
};

/** Server-side applies the Widget CRD (idempotent) and waits until it is Established. */
export async function installWidgetCrd(connection: ApiConnection): Promise<void> {
  const name = crd.metadata.name;
  const applied = await apiRequest(connection, {
    method: 'PATCH',
    path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}?fieldManager=tide-runtime-test&force=true`,
    body: crd,
    contentType: 'application/apply-patch+yaml',
  });
  if (applied.status >= 300) throw new Error(`applying ${name}: ${applied.text}`);
  await waitFor(
    async () => {
      const response = await apiRequest(connection, {
        method: 'GET',
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
      });
      const status = (
        response.body as { status?: { conditions?: { type: string; status: string }[] } }
      ).status;
      return status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ===
        true
        ? true
        : undefined;
    },
    { timeoutMs: 30_000, what: `${name} to be Established` },
  );
}

/** The CRD as a file, for ControlPlane.installCrds on a control plane of a test's own. */
export async function writeWidgetCrdFile(): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await makeTempDir('runtime-crd');
  const path = join(dir.path, 'widgets.yaml');
  await writeFile(path, JSON.stringify(crd));
  return { path, remove: () => dir.remove() };
}

export interface Call {
  readonly key: string;
  readonly generation: number | undefined;
  readonly at: number;
  readonly reconcileID: string | undefined;
}

/** The test reconciler: records calls; `fail`/`stall` in the spec make it throw. */
export class WidgetReconciler implements Reconciler<Widget> {
  readonly kind = widgetKind;
  readonly conditions = { owned: ['WidgetReady'], negativePolarity: [] };
  readonly calls: Call[] = [];
  readonly finalized: string[] = [];

  reconcile(obj: Widget, context?: ReconcileContext): Promise<Result> {
    this.calls.push({
      key: `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`,
      generation: obj.metadata.generation,
      at: Date.now(),
      reconcileID: context?.reconcileID,
    });
    if (obj.spec?.stall === true)
      throw new StallingError('WidgetInvalid', 'the widget spec is invalid');
    if (obj.spec?.fail === true) throw new GenericError('WidgetFailed', 'the widget broke');
    return Promise.resolve(Result.Success);
  }

  finalize(obj: Widget): Promise<Result> {
    this.finalized.push(`${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`);
    return Promise.resolve(Result.Success);
  }

  callsFor(name: string): Call[] {
    return this.calls.filter((c) => c.key.endsWith(`/${name}`));
  }
}

/** A sink for log lines, so tests can read what the manager logged. */
export class LogLines extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() !== '') this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    callback();
  }
}

export interface TestManagerOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly name?: string;
  readonly runtime?: Partial<RuntimeOptions>;
  readonly reconciler?: WidgetReconciler;
  readonly logs?: LogLines;
  readonly watch?: ManagerOptions['watch'];
  readonly identity?: string;
  readonly requestTimeoutMs?: number;
}

/**
 * A Manager scoped to one namespace, endpoints on free ports, quiet logs (TIDE_TEST_LOG=1
 * shows them), with a WidgetReconciler registered.
 */
export function testManager(options: TestManagerOptions): {
  manager: Manager;
  reconciler: WidgetReconciler;
} {
  const reconciler = options.reconciler ?? new WidgetReconciler();
  const logs = options.logs;
  const logger = createLogger({
    level: logs !== undefined ? 'debug' : process.env.TIDE_TEST_LOG === '1' ? 'debug' : 'silent',
    ...(logs === undefined ? {} : { destination: logs }),
  });
  const manager = new Manager({
    name: options.name ?? 'runtime-test',
    kubeConfig: options.kubeConfig,
    namespace: options.namespace,
    logger,
    ...(options.watch === undefined ? {} : { watch: options.watch }),
    ...(options.identity === undefined ? {} : { identity: options.identity }),
    ...(options.requestTimeoutMs === undefined
      ? {}
      : { requestTimeoutMs: options.requestTimeoutMs }),
    runtime: {
      metricsAddr: '127.0.0.1:0',
      healthAddr: '127.0.0.1:0',
      watchAllNamespaces: false,
      concurrent: 2,
      minRetryDelayMs: 100,
      maxRetryDelayMs: 5_000,
      gracefulShutdownTimeoutMs: 5_000,
      ...options.runtime,
    },
  });
  manager.register(reconciler);
  return { manager, reconciler };
}

/** A plain client for the test's own reads and writes (not the manager's). */
export function testClient(kubeConfig: KubeConfig): KubeClient {
  return new KubeClient({ kubeConfig });
}

export function widget(
  namespace: string,
  name: string,
  spec: Widget['spec'] = {},
  labels?: Record<string, string>,
): Widget {
  return {
    apiVersion: `${widgetKind.group}/${widgetKind.version}`,
    kind: 'Widget',
    metadata: { name, namespace, ...(labels === undefined ? {} : { labels }) },
    spec,
  };
}

/** Waits until `get` answers a Widget for which `check` holds; answers it. */
export async function waitForWidget(
  client: KubeClient,
  namespace: string,
  name: string,
  check: (w: Widget) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<Widget> {
  return waitFor(
    async () => {
      const w = await client.get<Widget>(widgetKind, namespace, name);
      return check(w) ? w : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `${namespace}/${name}: ${what}` },
  );
}

export function condition(w: Widget, type: string) {
  return w.status?.conditions?.find((c) => c.type === type);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

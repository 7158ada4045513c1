import { sharedControlPlane, waitFor } from '@tide/harness';
import { KubeClient, PatchType, secretKind, type KindRef, type KubeObject } from '@tide/kube';
import {
  Informer,
  ReconcileError,
  createLogger,
  resultOf,
  type EventInput,
  type ReconcilableObject,
  type ReconcileContext,
  type ReconcileResult,
  type Run,
} from '@tide/runtime';

/**
 * What the per-step table tests of a reconciler share in one file: a namespace on the shared
 * control plane for the Secrets, ConfigMaps and other objects a step reads, read caches of
 * the kinds a step looks up, and runs of one step with a context that records what the step
 * emits. No controller runs: a test calls one step function on an object and a state.
 */
export interface StepEnvironment {
  readonly namespace: string;
  readonly client: KubeClient;
  /** Creates a Secret in the namespace. */
  secret(name: string, stringData: Readonly<Record<string, string>>): Promise<void>;
  /**
   * Creates an object of a cached kind with the given status and waits until its read cache
   * holds it, as a step would find it.
   */
  cached(kind: KindRef, obj: ReconcilableObject, status?: unknown): Promise<void>;
  /** A run of one step over `obj` and `state`, recording the events it emits. */
  run<T, S>(obj: T, state: S): StepRun<T, S>;
  stop(): Promise<void>;
}

export interface StepRun<T, S> {
  readonly run: Run<T, S>;
  readonly events: EventInput[];
  /** How many times the step wrote its progress to status early. */
  readonly statusPatches: () => number;
}

export async function startStepEnvironment(
  prefix: string,
  options: { caches?: readonly KindRef[] } = {},
): Promise<StepEnvironment> {
  const controlPlane = sharedControlPlane();
  const namespace = await controlPlane.createNamespace(prefix);
  const client = new KubeClient({ kubeConfig: controlPlane.kubeConfig });
  const logger = createLogger({ level: 'error' });
  const informers = (options.caches ?? []).map(
    (kind) => new Informer({ client, kind, namespace, logger }),
  );
  for (const informer of informers) informer.start();
  await Promise.all(informers.map((informer) => informer.waitForSync()));
  const informerOf = (kind: KindRef): Informer => {
    const informer = informers.find((i) => i.kind.kind === kind.kind);
    if (informer === undefined) throw new Error(`this test keeps no cache of ${kind.kind}`);
    return informer;
  };
  const stopping = new AbortController();

  return {
    namespace,
    client,
    async secret(name, stringData) {
      await client.create(secretKind, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace },
        stringData,
      } as KubeObject);
    },
    async cached(kind, obj, status) {
      const informer = informerOf(kind);
      const name = obj.metadata.name ?? '';
      let created = await client.create(kind, { ...obj, metadata: { ...obj.metadata, namespace } });
      if (status !== undefined) {
        created = await client.patch(
          kind,
          { namespace, name },
          { status },
          { type: PatchType.Merge, subresource: 'status' },
        );
      }
      const resourceVersion = created.metadata.resourceVersion;
      await waitFor(
        () =>
          Promise.resolve(
            informer.get(namespace, name)?.metadata.resourceVersion === resourceVersion ||
              undefined,
          ),
        { timeoutMs: 10_000, intervalMs: 20, what: `${kind.kind} ${name} in the read cache` },
      );
    },
    run<T, S>(obj: T, state: S): StepRun<T, S> {
      const events: EventInput[] = [];
      let statusPatches = 0;
      const context: ReconcileContext = {
        logger,
        reconcileID: 'step-test',
        signal: stopping.signal,
        client,
        isLeader: () => !stopping.signal.aborted,
        event: (event) => {
          events.push(event);
          return Promise.resolve();
        },
        patchStatus: () => {
          statusPatches += 1;
          return Promise.resolve();
        },
        // The runtime's cache is typed by the caller's generic, as the Manager's is.
        cache: <U extends KubeObject>(kind: KindRef) => informerOf(kind) as Informer<U>,
      };
      return { run: { obj, context, state }, events, statusPatches: () => statusPatches };
    },
    async stop() {
      stopping.abort();
      for (const informer of informers) await informer.stop();
      client.close();
    },
  };
}

/**
 * What a step answered, in one word a table can hold: its result (`success`, `empty`,
 * `requeue`), or the class and reason of the typed error it threw (or rejected with).
 */
export async function outcomeOf(
  answer: Promise<ReconcileResult> | (() => Promise<ReconcileResult>),
): Promise<string> {
  try {
    return resultOf(await (typeof answer === 'function' ? answer() : answer));
  } catch (error) {
    if (error instanceof ReconcileError) return `${error.name}(${error.reason})`;
    throw error;
  }
}

/** The conditions of an object as `Type=Status:Reason`, sorted by type. */
export function conditionsOf(obj: {
  status?: { conditions?: readonly { type: string; status: string; reason: string }[] };
}): string[] {
  return (obj.status?.conditions ?? [])
    .map((c) => `${c.type}=${c.status}:${c.reason}`)
    .sort((a, b) => a.localeCompare(b));
}

/** A condition as a step test writes it into the status before the step runs. */
export function condition(type: string, status: 'True' | 'False', reason: string) {
  return {
    type,
    status,
    reason,
    message: 'set before the step',
    lastTransitionTime: '2026-01-01T00:00:00Z',
  };
}

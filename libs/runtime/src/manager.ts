import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { KubeClient, messageOf } from '@tide/kube';
import { Controller } from './controller.js';
import { EventRecorder } from './events.js';
import { Informer } from './informer.js';
import { LeaderElector } from './leader.js';
import { createLogger } from './logger.js';
import { RuntimeMetrics } from './metrics.js';
import type { KindRef, KubeObject } from '@tide/kube';
import type { ReconcilableObject } from './object.js';
import { defaultRuntimeOptions, type RuntimeOptions } from './options.js';
import type { Reconciler } from './reconciler.js';
import { serve, type Endpoint } from './servers.js';

/**
 * Owns everything a controller process runs besides its reconcilers: the API client, one
 * informer per kind, a controller (queue + workers) per registered reconciler, the metrics
 * and health endpoints and leader election. start() resolves once every cache has synced;
 * stop() lets in-flight reconciles finish (bounded) and leaves no socket or timer behind.
 */

export interface ManagerOptions {
  /** The controller's name: field manager, event source, Lease name prefix, log field. */
  readonly name: string;
  readonly runtime?: Partial<RuntimeOptions>;
  /** A loaded kubeconfig; otherwise --kubeconfig, KUBECONFIG, ~/.kube/config or in-cluster. */
  readonly kubeConfig?: KubeConfig;
  /** The namespace the controller runs in (Lease, --watch-all-namespaces=false); RUNTIME_NAMESPACE. */
  readonly namespace?: string;
  readonly logger?: Logger;
  /** Lease identity; hostname + random suffix when omitted. */
  readonly identity?: string;
  /** How long start() waits for every cache to sync before it fails; 2 minutes when omitted. */
  readonly cacheSyncTimeoutMs?: number;
  /** Timeout of each API call other than watches; 30s when omitted. */
  readonly requestTimeoutMs?: number;
  /** Watch tuning, for tests that need broken watches noticed fast. */
  readonly watch?: {
    readonly timeoutSeconds?: number;
    readonly watchdogMs?: number;
    readonly maxBackoffMs?: number;
  };
}

/** The Manager stopped because it lost the leader Lease; the process should exit and restart. */
export class LeadershipLostError extends Error {
  override readonly name = 'LeadershipLostError';
}

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

export class Manager {
  readonly options: RuntimeOptions;
  readonly name: string;
  readonly logger: Logger;
  readonly client: KubeClient;
  readonly metrics = new RuntimeMetrics();
  readonly events: EventRecorder;
  /** The namespace from RUNTIME_NAMESPACE (or options), `default` when neither says. */
  readonly namespace: string;
  /** Resolves when the manager has stopped; rejects with LeadershipLostError if it lost the Lease. */
  readonly done: Promise<void>;
  private readonly informers = new Map<string, Informer>();
  private readonly controllers: Controller[] = [];
  private readonly endpoints: Endpoint[] = [];
  private readonly elector: LeaderElector | undefined;
  private readonly watchTuning: NonNullable<ManagerOptions['watch']>;
  private readonly cacheSyncTimeoutMs: number;
  private state: State = 'new';
  private leading = false;
  private settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private urls: { metrics?: string; health?: string } = {};

  constructor(options: ManagerOptions) {
    this.name = options.name;
    this.options = { ...defaultRuntimeOptions, ...options.runtime };
    this.logger = options.logger ?? createLogger({ level: this.options.logLevel });
    this.namespace = options.namespace ?? nonEmpty(process.env.RUNTIME_NAMESPACE) ?? 'default';
    this.client = new KubeClient({
      kubeConfig: options.kubeConfig ?? loadKubeConfig(this.options.kubeconfig),
      ...(options.requestTimeoutMs === undefined ? {} : { timeoutMs: options.requestTimeoutMs }),
    });
    const identity = options.identity ?? `${hostname()}_${randomUUID()}`;
    this.events = new EventRecorder({
      client: this.client,
      component: this.name,
      instance: identity,
      logger: this.logger,
    });
    this.watchTuning = options.watch ?? {};
    this.cacheSyncTimeoutMs = options.cacheSyncTimeoutMs ?? 120_000;
    if (this.options.enableLeaderElection) {
      this.elector = new LeaderElector({
        client: this.client,
        namespace: this.namespace,
        name: `${this.name}-leader-election`,
        identity,
        leaseDurationMs: this.options.leaderElectionLeaseDurationMs,
        renewDeadlineMs: this.options.leaderElectionRenewDeadlineMs,
        retryPeriodMs: this.options.leaderElectionRetryPeriodMs,
        releaseOnCancel: this.options.leaderElectionReleaseOnCancel,
        logger: this.logger,
      });
    }
    this.done = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // A caller that only awaits start()/stop() must not see an unhandled rejection.
    this.done.catch(() => undefined);
  }

  /**
   * Whether this manager's workers run and may write: elected (and within the renew
   * deadline of its last renew), or leader election is off.
   */
  get isLeader(): boolean {
    // Asking the elector first: finding its deadline passed loses leadership right here.
    if (this.elector !== undefined && !this.elector.isLeader) return false;
    return this.leading;
  }

  /** The bound URLs of the endpoints (after start), e.g. for a `:0` address in tests. */
  get endpointUrls(): { readonly metrics?: string; readonly health?: string } {
    return this.urls;
  }

  /** Registers a kind's reconciler; call before start(). */
  register<T extends ReconcilableObject>(
    reconciler: Reconciler<T>,
    options: { name?: string } = {},
  ): this {
    if (this.state !== 'new') throw new Error(`${this.name}: register() after start()`);
    const informer = this.informer<T>(reconciler.kind);
    const controller = new Controller<T>({
      name: options.name ?? reconciler.kind.kind.toLowerCase(),
      reconciler,
      informer,
      client: this.client,
      fieldManager: this.name,
      concurrent: this.options.concurrent,
      minRetryDelayMs: this.options.minRetryDelayMs,
      maxRetryDelayMs: this.options.maxRetryDelayMs,
      jitterPercent: this.options.intervalJitterPercentage,
      metrics: this.metrics,
      events: this.events,
      logger: this.logger,
      cache: (kind) => this.informer(kind),
      isLeader: () => this.isLeader,
    });
    for (const watch of reconciler.watches ?? []) {
      controller.watch(this.informer(watch.kind), (obj) =>
        watch.map(obj, { cache: (kind) => this.informer(kind) }),
      );
    }
    for (const kind of reconciler.caches ?? []) this.informer(kind);
    this.controllers.push(controller as unknown as Controller);
    return this;
  }

  /**
   * The shared informer (read cache) of a kind, scoped like every informer of this manager.
   * Informers asked for before start() start with it; later ones start at once.
   */
  informer<T extends KubeObject>(kind: KindRef): Informer<T> {
    const id = `${kind.group}/${kind.version}/${kind.plural}`;
    let informer = this.informers.get(id);
    if (informer === undefined) {
      informer = new Informer({
        client: this.client,
        kind,
        namespace: kind.namespaced && !this.options.watchAllNamespaces ? this.namespace : undefined,
        labelSelector: this.options.watchLabelSelector,
        logger: this.logger,
        ...(this.watchTuning.timeoutSeconds === undefined
          ? {}
          : { watchTimeoutSeconds: this.watchTuning.timeoutSeconds }),
        ...(this.watchTuning.watchdogMs === undefined
          ? {}
          : { watchdogMs: this.watchTuning.watchdogMs }),
        ...(this.watchTuning.maxBackoffMs === undefined
          ? {}
          : { maxBackoffMs: this.watchTuning.maxBackoffMs }),
      });
      this.informers.set(id, informer);
      if (this.state === 'starting' || this.state === 'running') informer.start();
    }
    return informer as unknown as Informer<T>;
  }

  /** The controller registered for `kind` (its queue is what tests and metrics look at). */
  controller(kind: KindRef): Controller | undefined {
    return this.controllers.find(
      (c) => c.kind.group === kind.group && c.kind.plural === kind.plural,
    );
  }

  /** Serves the endpoints, syncs every cache, then campaigns for (or takes) leadership. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`${this.name}: start() called twice`);
    this.state = 'starting';
    this.logger.info({ controller: this.name, namespace: this.namespace }, 'starting manager');
    await this.serveEndpoints();
    for (const informer of this.informers.values()) informer.start();
    await this.waitForCaches();
    if (this.stateNow() !== 'starting') return;
    this.state = 'running';
    if (this.elector === undefined) {
      this.lead();
      return;
    }
    this.elector.run({
      onStartedLeading: () => {
        this.lead();
      },
      onStoppedLeading: () => {
        this.loseLeadership();
      },
    });
  }

  /**
   * Graceful stop: no new reconciles, in-flight ones get --graceful-shutdown-timeout, then
   * informers, the Lease (released if so configured), endpoints and connections close.
   */
  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped')
      return this.done.catch(() => undefined);
    this.state = 'stopping';
    this.logger.info({ controller: this.name }, 'stopping manager');
    try {
      await Promise.all(
        this.controllers.map((c) => c.stop(this.options.gracefulShutdownTimeoutMs)),
      );
      await this.shutDownRest();
    } catch (error) {
      // `done` must settle either way, or a main awaiting it would never exit.
      this.state = 'stopped';
      this.settle?.reject(error instanceof Error ? error : new Error(messageOf(error)));
      throw error;
    }
    this.settle?.resolve();
  }

  /**
   * Waits until every informer has listed once. Fails after the cache-sync timeout (a
   * missing CRD or RBAC rule shows up here), naming the kinds and why they did not list.
   */
  private async waitForCaches(): Promise<void> {
    const abort = new AbortController();
    const stopping = this.done
      .catch(() => undefined)
      .then(() => {
        abort.abort();
      });
    const timer = setTimeout(() => {
      abort.abort();
    }, this.cacheSyncTimeoutMs);
    try {
      await Promise.race([
        Promise.all([...this.informers.values()].map((i) => i.waitForSync(abort.signal))),
        stopping,
      ]);
    } catch {
      if (this.stateNow() !== 'starting') return;
      const pending = [...this.informers.values()]
        .filter((i) => !i.synced)
        .map((i) => `${i.kind.kind} (${i.lastError ?? 'no answer yet'})`);
      await this.stop();
      throw new Error(
        `${this.name}: caches did not sync within ${this.cacheSyncTimeoutMs}ms: ${pending.join(', ')}`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** The state as it is now (TypeScript would keep a narrowing from before an await). */
  private stateNow(): State {
    return this.state;
  }

  private lead(): void {
    this.leading = true;
    for (const controller of this.controllers) controller.startWorkers();
  }

  /** Losing the Lease means another replica may reconcile now: stop everything at once. */
  private loseLeadership(): void {
    this.leading = false;
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    for (const controller of this.controllers) controller.halt();
    const lost = () => {
      this.settle?.reject(new LeadershipLostError(`${this.name}: lost the leader election Lease`));
    };
    this.shutDownRest().then(lost, (error: unknown) => {
      this.logger.error(
        { err: error },
        `shutting down after losing the leader Lease: ${messageOf(error)}`,
      );
      lost();
    });
  }

  private async shutDownRest(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    await this.elector?.stop();
    this.leading = false;
    await Promise.all(this.endpoints.splice(0).map((e) => e.close()));
    this.client.close();
    this.state = 'stopped';
  }

  private async serveEndpoints(): Promise<void> {
    const text = 'text/plain; charset=utf-8';
    if (this.options.metricsAddr !== '0') {
      const endpoint = await serve(this.options.metricsAddr, {
        '/metrics': async () => ({
          status: 200,
          contentType: this.metrics.registry.contentType,
          body: await this.metrics.registry.metrics(),
        }),
      });
      this.endpoints.push(endpoint);
      this.urls = { ...this.urls, metrics: endpoint.url };
    }
    if (this.options.healthAddr !== '0') {
      const endpoint = await serve(this.options.healthAddr, {
        '/healthz': () => Promise.resolve({ status: 200, contentType: text, body: 'ok\n' }),
        '/readyz': () => Promise.resolve(this.readiness()),
      });
      this.endpoints.push(endpoint);
      this.urls = { ...this.urls, health: endpoint.url };
    }
  }

  /** Ready: every cache synced; a replica standing by for the Lease is ready too. */
  private readiness(): { status: number; contentType: string; body: string } {
    const pending = [...this.informers.values()].filter((i) => !i.synced).map((i) => i.kind.kind);
    const text = 'text/plain; charset=utf-8';
    if (this.state !== 'running')
      return { status: 503, contentType: text, body: `manager is ${this.state}\n` };
    if (pending.length > 0)
      return { status: 503, contentType: text, body: `caches not synced: ${pending.join(', ')}\n` };
    return {
      status: 200,
      contentType: text,
      body:
        this.leading || this.elector === undefined
          ? 'ok\n'
          : 'ok (standing by for the leader lease)\n',
    };
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function loadKubeConfig(path: string | undefined): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (path === undefined) kubeConfig.loadFromDefault();
  else kubeConfig.loadFromFile(path);
  return kubeConfig;
}

/**
 * For a controller's main: starts the manager, stops it gracefully on SIGTERM/SIGINT, and
 * answers the exit code (1 when it failed or lost the Lease); it never rejects. The caller
 * ends the process with it (`exitProcess`), so no open handle keeps a stopped replica alive.
 */
export async function runManager(manager: Manager): Promise<number> {
  const onSignal = (signal: NodeJS.Signals) => {
    manager.logger.info({ signal }, 'received a stop signal');
    manager.stop().catch((error: unknown) => {
      manager.logger.error({ err: error }, `stopping: ${messageOf(error)}`);
    });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    await manager.start();
    await manager.done;
    return 0;
  } catch (error) {
    manager.logger.error({ err: error }, messageOf(error));
    await manager.stop().catch((stopError: unknown) => {
      manager.logger.error({ err: stopError }, `stopping: ${messageOf(stopError)}`);
    });
    return 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

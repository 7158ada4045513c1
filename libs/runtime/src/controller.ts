import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  CoreCondition,
  CoreReason,
  isApiError,
  messageOf,
  objectKey,
  PatchType,
  splitKey,
  type KindRef,
  type KubeClient,
  type KubeObject,
} from '@tide/kube';
import { getCondition, markTrue } from './conditions.js';
import { parseDuration, jitter } from '@tide/kube';
import type { EventRecorder } from './events.js';
import type { Informer, InformerEvent } from './informer.js';
import { NotLeaderError } from './leader.js';
import type { RuntimeMetrics } from './metrics.js';
import type { ReconcilableObject } from './object.js';
import { decideOutcome, describe, type Outcome, type Verdict } from './outcome.js';
import { WorkQueue } from './queue.js';
import {
  finalizerName,
  reconcileRequestAnnotation,
  type ReconcileContext,
  type Reconciler,
} from './reconciler.js';
import { Result, resultOf } from './result.js';
import { StatusPatcher } from './patcher.js';

/**
 * One registered kind: its informer feeds a work queue, workers take keys and run the
 * reconcile loop around the kind's Reconciler — deletion and finalizer, suspend, the
 * reconcile request annotation, the reconcile itself, then the outcome (conditions, status
 * patch, metrics, events, requeue) in one place.
 */

export interface ControllerOptions<T extends ReconcilableObject> {
  readonly name: string;
  readonly reconciler: Reconciler<T>;
  readonly informer: Informer<T>;
  readonly client: KubeClient;
  readonly fieldManager: string;
  readonly concurrent: number;
  readonly minRetryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly jitterPercent: number;
  readonly metrics: RuntimeMetrics;
  readonly events: EventRecorder;
  readonly logger: Logger;
  readonly cache: <U extends KubeObject>(kind: KindRef) => Informer<U>;
  /** Whether the manager may write now (leading, renew deadline not passed). */
  readonly isLeader: () => boolean;
}

/** How long a stop waits for reconciles after aborting them, before it abandons them. */
export const stopGraceAfterAbortMs = 5_000;

export class Controller<T extends ReconcilableObject = ReconcilableObject> {
  readonly queue: WorkQueue;
  private readonly workers: Promise<void>[] = [];
  private active = 0;
  /** Aborted on halt, and when a graceful stop runs out of time: ends in-flight reconciles. */
  private readonly abort = new AbortController();
  /** Aborted on halt only: leadership is gone, so no write may go out any more. */
  private readonly halted = new AbortController();
  /** What reconcilers are handed: its requests end with the reconcile signal. */
  private readonly reconcileClient: KubeClient;
  /** Status patches and finalizer edits: ended by a halt, not by a graceful stop's timeout. */
  private readonly writeClient: KubeClient;

  constructor(private readonly options: ControllerOptions<T>) {
    this.reconcileClient = options.client.withSignal(this.abort.signal);
    this.writeClient = options.client.withSignal(this.halted.signal);
    this.queue = new WorkQueue({
      minRetryDelayMs: options.minRetryDelayMs,
      maxRetryDelayMs: options.maxRetryDelayMs,
      observer: options.metrics.queueObserver(options.name),
    });
    options.metrics.watchQueue(options.name, this.queue);
    options.metrics.setWorkers(options.name, 0, options.concurrent);
    options.informer.onEvent((event) => {
      this.onEvent(event);
    });
  }

  get name(): string {
    return this.options.name;
  }

  get kind(): KindRef {
    return this.options.reconciler.kind;
  }

  /** Enqueues objects of this kind when a watched kind changes. */
  watch(informer: Informer, map: (obj: KubeObject) => string[]): void {
    informer.onEvent((event) => {
      for (const key of map(event.obj)) this.queue.add(key);
    });
  }

  /** Starts the workers; keys queued while standing by are processed now. */
  startWorkers(): void {
    for (let i = 0; i < this.options.concurrent; i++) this.workers.push(this.work());
  }

  /**
   * Stops taking keys and waits for in-flight reconciles, aborting their signal if they
   * outlast `timeoutMs`. A reconcile that ignores its signal (a step that cannot be cancelled)
   * is waited for at most `abandonAfterMs` more, then abandoned with a log line, so shutdown
   * and the Lease release that follows are bounded; the process exits right after.
   */
  async stop(timeoutMs: number, abandonAfterMs = stopGraceAfterAbortMs): Promise<void> {
    this.queue.shutDown();
    const timers: NodeJS.Timeout[] = [];
    const finished = Promise.all(this.workers).then(() => true);
    const abandoned = new Promise<boolean>((resolve) => {
      timers.push(
        setTimeout(() => {
          this.abort.abort();
          timers.push(
            setTimeout(() => {
              resolve(false);
            }, abandonAfterMs),
          );
        }, timeoutMs),
      );
    });
    const stopped = await Promise.race([finished, abandoned]);
    for (const timer of timers) clearTimeout(timer);
    if (!stopped)
      this.options.logger.error(
        { controller: this.name, inFlight: this.active },
        `${this.name}: ${this.active} reconcile(s) did not end within ${timeoutMs + abandonAfterMs}ms of shutdown; abandoning them`,
      );
  }

  /** Leadership is gone: stop at once, cancelling what is in flight and refusing writes. */
  halt(): void {
    this.queue.shutDown();
    const reason = new NotLeaderError(`${this.name}: leadership lost`);
    this.halted.abort(reason);
    this.abort.abort(reason);
  }

  /** Whether a write may go out: not halted, and the manager still leads. */
  private mayWrite(): boolean {
    return !this.halted.signal.aborted && this.options.isLeader();
  }

  private assertMayWrite(what: string): void {
    if (!this.mayWrite())
      throw new NotLeaderError(`${this.name}: not ${what}: this process is no longer the leader`);
  }

  /** Which changes need a reconcile: not our own status writes (they would loop). */
  private onEvent(event: InformerEvent<T>): void {
    const key = objectKey(event.obj);
    if (event.type === 'deleted') {
      this.options.metrics.recordDeleted(this.kind.kind, event.obj, CoreCondition.Ready);
      this.settle(key);
      return;
    }
    if (event.type === 'added' || needsReconcile(event.old, event.obj)) this.queue.add(key);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      this.active += 1;
      this.options.metrics.setWorkers(this.name, this.active, this.options.concurrent);
      try {
        await this.process(key);
      } catch (error) {
        // process() decides every outcome itself; this only catches a bug in that path.
        this.options.logger.error({ err: error, key }, `reconcile loop failed for ${key}`);
        this.queue.addRateLimited(key);
      } finally {
        this.active -= 1;
        this.options.metrics.setWorkers(this.name, this.active, this.options.concurrent);
        this.queue.done(key);
      }
    }
  }

  private async process(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.options.informer.get(namespace, name);
    if (cached === undefined) return;
    const obj = structuredClone(cached);
    const started = performance.now();
    const reconcileID = randomUUID();
    const logger = this.options.logger.child({
      controller: this.name,
      kind: this.kind.kind,
      name,
      ...(namespace === undefined ? {} : { namespace }),
      reconcileID,
    });
    const statusPatcher = new StatusPatcher(
      { client: this.writeClient, kind: this.kind, fieldManager: this.options.fieldManager },
      obj,
    );
    // Every status write asks first whether this process still leads.
    const patcher = {
      patch: (target: T) => {
        this.assertMayWrite('patching status');
        return statusPatcher.patch(target);
      },
    };
    const context: ReconcileContext = {
      logger,
      reconcileID,
      signal: this.abort.signal,
      client: this.reconcileClient,
      isLeader: () => this.mayWrite(),
      event: async (event) => {
        if (!this.mayWrite()) {
          logger.info({ reason: event.reason }, 'event not recorded: no longer the leader');
          return;
        }
        await this.options.events.record(obj, event);
      },
      patchStatus: async () => {
        await patcher.patch(obj);
      },
      cache: this.options.cache,
    };
    try {
      if (obj.metadata.deletionTimestamp !== undefined) {
        await this.finalize(key, obj, context);
        return;
      }
      if (!(obj.metadata.finalizers ?? []).includes(finalizerName)) {
        await this.editFinalizers(obj, (list) => [...list, finalizerName]);
      }
      const suspended = obj.spec?.suspend === true;
      this.options.metrics.recordSuspend(this.kind.kind, obj, suspended);
      if (suspended) {
        logger.info('reconciliation is suspended for this object');
        this.settle(key);
        return;
      }
      await this.reconcile(key, obj, context, patcher, started);
    } catch (error) {
      if (isApiError(error, 404)) return; // deleted while we worked: nothing left to do
      if (this.halted.signal.aborted || error instanceof NotLeaderError) {
        logger.info(`reconcile ended: no longer the leader (${messageOf(error)})`);
        return;
      }
      const { reason, message } = describe(error);
      logger.error({ err: error, reason }, `reconcile failed: ${message}`);
      this.queue.addRateLimited(key);
    }
  }

  private async reconcile(
    key: string,
    obj: T,
    context: ReconcileContext,
    patcher: { patch(obj: T): Promise<boolean> },
    started: number,
  ): Promise<void> {
    const { reconciler } = this.options;
    markTrue(obj, CoreCondition.Reconciling, CoreReason.Progressing, 'reconciliation in progress');
    // A new generation shows as in progress right away, as kstatus expects.
    if (obj.status?.observedGeneration !== obj.metadata.generation) await patcher.patch(obj);
    let verdict: Verdict;
    try {
      verdict = { result: await reconciler.reconcile(obj, context) };
    } catch (error) {
      verdict = { error };
    }
    const requestedAt = obj.metadata.annotations?.[reconcileRequestAnnotation];
    if (requestedAt !== undefined)
      obj.status = { ...obj.status, lastHandledReconcileAt: requestedAt };
    const readyBefore = getCondition(obj, CoreCondition.Ready)?.status;
    const outcome = decideOutcome(obj, verdict, {
      policy: reconciler.conditions,
      intervalMs: this.intervalOf(obj),
      successMessage: reconciler.successMessage?.(obj) ?? 'Reconciliation succeeded',
    });
    await patcher.patch(obj);
    const seconds = (performance.now() - started) / 1000;
    const ready = getCondition(obj, CoreCondition.Ready);
    this.options.metrics.observeReconcile(this.kind.kind, obj, seconds);
    this.options.metrics.recordCondition(this.kind.kind, obj, CoreCondition.Ready, ready?.status);
    this.options.metrics.recordResult(this.name, outcome.label, seconds);
    if (outcome.event !== undefined) await context.event(outcome.event);
    else if (ready?.status === 'True' && readyBefore !== 'True') {
      await context.event({ type: 'Normal', reason: ready.reason, message: ready.message });
    }
    this.requeue(key, outcome);
    this.log(context.logger, outcome, verdict, seconds);
  }

  private requeue(key: string, outcome: Outcome): void {
    switch (outcome.requeue.kind) {
      case 'backoff':
        this.queue.addRateLimited(key);
        return;
      case 'after':
        this.settle(key);
        this.queue.addAfter(key, outcome.requeue.ms);
        return;
      case 'none':
        this.settle(key);
        return;
    }
  }

  /** The key is done for now: no failure history, no stale timer. */
  private settle(key: string): void {
    this.queue.forget(key);
    this.queue.cancelDelayed(key);
  }

  private log(logger: Logger, outcome: Outcome, verdict: Verdict, seconds: number): void {
    const next = outcome.requeue.kind === 'after' ? `, next run in ${outcome.requeue.ms}ms` : '';
    const fields = { result: outcome.label, durationSeconds: seconds };
    if ('error' in verdict) {
      const { reason, message } = describe(verdict.error);
      if (outcome.label === 'waiting') logger.info({ ...fields, reason }, `${message}${next}`);
      else logger.error({ ...fields, reason, err: verdict.error }, `Reconciler error: ${message}`);
      return;
    }
    logger.info(fields, `reconciliation finished in ${(seconds * 1000).toFixed(0)}ms${next}`);
  }

  /** Runs the kind's clean-up, then takes the finalizer off so the object can go. */
  private async finalize(key: string, obj: T, context: ReconcileContext): Promise<void> {
    if (!(obj.metadata.finalizers ?? []).includes(finalizerName)) return;
    try {
      const result = (await this.options.reconciler.finalize?.(obj, context)) ?? Result.Success;
      if (resultOf(result) === Result.Requeue) {
        if (typeof result === 'string') this.queue.addRateLimited(key);
        else this.queue.addAfter(key, result.requeueAfterMs);
        return;
      }
      await this.editFinalizers(obj, (list) => list.filter((f) => f !== finalizerName));
      this.settle(key);
      context.logger.info('finalizer ran; object released for deletion');
    } catch (error) {
      if (isApiError(error, 404)) return;
      if (this.halted.signal.aborted || error instanceof NotLeaderError) {
        context.logger.info(`finalizing ended: no longer the leader (${messageOf(error)})`);
        return;
      }
      const { reason, message } = describe(error);
      context.logger.error({ err: error, reason }, `finalizing failed: ${message}`);
      await context.event({ type: 'Warning', reason, message: `finalizing failed: ${message}` });
      this.queue.addRateLimited(key);
    }
  }

  /**
   * Changes metadata.finalizers with the resourceVersion as a precondition, re-reading on
   * conflict, so another writer's finalizers are never lost.
   */
  private async editFinalizers(obj: T, edit: (list: string[]) => string[]): Promise<void> {
    let current: T = obj;
    for (let attempt = 0; ; attempt++) {
      const finalizers = edit(current.metadata.finalizers ?? []);
      this.assertMayWrite('editing finalizers');
      try {
        const updated = await this.writeClient.patch<T>(
          this.kind,
          { namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' },
          { metadata: { resourceVersion: current.metadata.resourceVersion, finalizers } },
          { type: PatchType.Merge, fieldManager: this.options.fieldManager },
        );
        obj.metadata.finalizers = updated.metadata.finalizers ?? [];
        if (updated.metadata.resourceVersion !== undefined) {
          obj.metadata.resourceVersion = updated.metadata.resourceVersion;
        }
        return;
      } catch (error) {
        if (!isApiError(error, 409) || attempt >= 5) throw error;
        current = await this.writeClient.get<T>(
          this.kind,
          obj.metadata.namespace,
          obj.metadata.name ?? '',
        );
      }
    }
  }

  private intervalOf(obj: T): number | undefined {
    let interval = this.options.reconciler.interval?.(obj);
    if (interval === undefined && typeof obj.spec?.interval === 'string') {
      try {
        interval = parseDuration(obj.spec.interval);
      } catch {
        // The CRD schema validates spec.interval; an object that slipped past it is not
        // requeued on a timer rather than failing its whole reconcile.
        interval = undefined;
      }
    }
    if (interval === undefined || interval <= 0) return undefined;
    return jitter(interval, this.options.jitterPercent);
  }
}

/** Generation changed, reconcile requested, deletion started, or suspend flipped. */
export function needsReconcile(old: ReconcilableObject, obj: ReconcilableObject): boolean {
  if (old.metadata.generation !== obj.metadata.generation) return true;
  const request = (o: ReconcilableObject) => o.metadata.annotations?.[reconcileRequestAnnotation];
  if (request(old) !== request(obj)) return true;
  return (
    old.metadata.deletionTimestamp === undefined && obj.metadata.deletionTimestamp !== undefined
  );
}

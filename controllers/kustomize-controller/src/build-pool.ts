import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Kustomization } from '@tide/api';
import { formatDuration, type Manifest } from '@tide/kube';
import { errorFromData, type BuildReply, type BuildTask } from './build-task.js';

/**
 * Kustomize builds and post-build substitution of tenant input, off the event loop: a few
 * worker threads, each with a V8 heap limit, render one Kustomization at a time under a
 * wall-clock limit. A build past its memory or its time, or one whose reconcile is aborted,
 * ends its worker (a fresh one replaces it), so one tenant's build can never stall health
 * probes, Lease renewals or the other tenants' reconciles.
 */

export interface BuildPoolOptions {
  /** How many builds run at once (`--build-workers`). */
  readonly workers: number;
  /** Each worker's V8 old-generation heap limit in MiB (`--build-memory-limit`). */
  readonly memoryLimitMb: number;
  /** Wall-clock limit of one build in milliseconds (`--build-timeout`). */
  readonly timeoutMs: number;
  /** The compiled worker script; by default build-worker.js beside this module's compiled form. */
  readonly workerUrl?: URL;
}

export interface BuildRequest {
  readonly obj: Kustomization;
  readonly dir: string;
  readonly confinementRoot: string;
  readonly variables: ReadonlyMap<string, string> | undefined;
  readonly strictSubstitutions: boolean;
  readonly remoteBases: boolean;
  /** Ends the build (queued or running) with the signal's reason, e.g. the reconcile's deadline. */
  readonly signal?: AbortSignal;
}

export type BuildLimit = 'memory' | 'time' | 'aborted' | 'crashed';

/** A build the pool stopped: over a limit, aborted, or its worker died. */
export class BuildLimitError extends Error {
  override readonly name = 'BuildLimitError';
  constructor(
    readonly limit: BuildLimit,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

interface Pending {
  readonly task: BuildTask;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (objects: Manifest[]) => void;
  readonly reject: (error: Error) => void;
  readonly onAbort: () => void;
  timer?: NodeJS.Timeout;
}

interface Slot {
  readonly worker: Worker;
  online: boolean;
  retired: boolean;
  current?: Pending | undefined;
}

export class BuildPool {
  private readonly slots = new Set<Slot>();
  private readonly idle: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly workerUrl: URL;
  private nextId = 1;
  private closed = false;
  private replacedCount = 0;

  constructor(private readonly options: BuildPoolOptions) {
    this.workerUrl = options.workerUrl ?? defaultWorkerUrl();
  }

  /** How many workers were ended and replaced (a build over a limit, aborted, or crashed). */
  get replaced(): number {
    return this.replacedCount;
  }

  /** Renders one Kustomization in a worker; rejects with its typed build error or a BuildLimitError. */
  build(request: BuildRequest): Promise<Manifest[]> {
    if (this.closed) return Promise.reject(new Error('the build pool is closed'));
    const { signal } = request;
    if (signal?.aborted === true) return Promise.reject(abortedError(signal));
    return new Promise<Manifest[]>((resolve, reject) => {
      const pending: Pending = {
        task: {
          id: this.nextId++,
          obj: request.obj,
          dir: request.dir,
          confinementRoot: request.confinementRoot,
          variables: request.variables,
          strictSubstitutions: request.strictSubstitutions,
          remoteBases: request.remoteBases,
        },
        signal,
        resolve,
        reject,
        onAbort: () => {
          this.abort(pending);
        },
      };
      signal?.addEventListener('abort', pending.onAbort, { once: true });
      this.queue.push(pending);
      this.dispatch();
    });
  }

  /** Ends every worker; queued and running builds fail. */
  async close(): Promise<void> {
    this.closed = true;
    const stopped = new Error('the build pool is closed');
    for (const pending of this.queue.splice(0)) this.settle(pending, stopped);
    const workers: Promise<number>[] = [];
    for (const slot of this.slots) {
      slot.retired = true;
      if (slot.current !== undefined) this.settle(slot.current, stopped);
      workers.push(slot.worker.terminate());
    }
    this.slots.clear();
    this.idle.length = 0;
    await Promise.all(workers);
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.idle.pop() ?? this.spawn();
      if (slot === undefined) return;
      const pending = this.queue.shift();
      if (pending === undefined) {
        this.idle.push(slot);
        return;
      }
      this.run(slot, pending);
    }
  }

  private run(slot: Slot, pending: Pending): void {
    slot.current = pending;
    pending.timer = setTimeout(() => {
      this.fail(
        slot,
        new BuildLimitError(
          'time',
          `build did not finish within the build time limit of ${formatDuration(this.options.timeoutMs)} (raise it with --build-timeout); its worker was stopped`,
        ),
      );
    }, this.options.timeoutMs);
    slot.worker.postMessage(pending.task);
  }

  /** A new worker when fewer than `workers` run; undefined when the pool is full or closed. */
  private spawn(): Slot | undefined {
    if (this.closed || this.slots.size >= this.options.workers) return undefined;
    if (!existsSync(this.workerUrl)) {
      const missing = new Error(
        `build worker ${fileURLToPath(this.workerUrl)} not found: compile the controller (npx tsc -b)`,
      );
      for (const pending of this.queue.splice(0)) this.settle(pending, missing);
      return undefined;
    }
    const worker = new Worker(this.workerUrl, {
      resourceLimits: { maxOldGenerationSizeMb: this.options.memoryLimitMb },
    });
    worker.unref();
    const slot: Slot = { worker, online: false, retired: false };
    worker.on('online', () => {
      slot.online = true;
    });
    worker.on('message', (reply: BuildReply) => {
      this.finish(slot, reply);
    });
    worker.on('error', (error) => {
      this.fail(slot, this.workerError(error));
    });
    worker.on('exit', (code) => {
      this.fail(
        slot,
        new BuildLimitError('crashed', `build worker exited with code ${code} during the build`),
      );
    });
    this.slots.add(slot);
    return slot;
  }

  private workerError(error: Error): BuildLimitError {
    if ((error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY')
      return new BuildLimitError(
        'memory',
        `build ran out of memory: the build memory limit is ${this.options.memoryLimitMb} MiB (raise it with --build-memory-limit); its worker was stopped`,
        { cause: error },
      );
    return new BuildLimitError('crashed', `build worker failed: ${error.message}`, {
      cause: error,
    });
  }

  private finish(slot: Slot, reply: BuildReply): void {
    const pending = slot.current;
    if (slot.retired || pending?.task.id !== reply.id) return;
    slot.current = undefined;
    if (reply.ok) this.settle(pending, undefined, reply.objects);
    else this.settle(pending, errorFromData(reply.error));
    this.idle.push(slot);
    this.dispatch();
  }

  /** Ends a worker and its build with `error`; a worker that had started is replaced. */
  private fail(slot: Slot, error: Error): void {
    if (slot.retired) return;
    slot.retired = true;
    this.slots.delete(slot);
    const at = this.idle.indexOf(slot);
    if (at >= 0) this.idle.splice(at, 1);
    if (slot.current !== undefined) this.settle(slot.current, error);
    slot.current = undefined;
    void slot.worker.terminate();
    if (this.closed) return;
    this.replacedCount += 1;
    // A worker that never came up (a missing or broken script) is not respawned in a loop:
    // the next build tries again.
    if (slot.online) {
      const fresh = this.spawn();
      if (fresh !== undefined) this.idle.push(fresh);
    }
    this.dispatch();
  }

  private abort(pending: Pending): void {
    const at = this.queue.indexOf(pending);
    const signal = pending.signal;
    if (signal === undefined) return;
    if (at >= 0) {
      this.queue.splice(at, 1);
      this.settle(pending, abortedError(signal));
      return;
    }
    for (const slot of this.slots) {
      if (slot.current === pending)
        this.fail(slot, abortedError(signal, '; its worker was stopped'));
    }
  }

  private settle(pending: Pending, error: Error | undefined, objects: Manifest[] = []): void {
    clearTimeout(pending.timer);
    pending.signal?.removeEventListener('abort', pending.onAbort);
    if (error === undefined) pending.resolve(objects);
    else pending.reject(error);
  }
}

/**
 * build-worker.js beside this module. Run from its TypeScript source (jest compiles the
 * tests' imports in-process), the worker is still the compiled one in dist/: a thread loads
 * plain JavaScript, and that is the file the controller runs.
 */
function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts')
    ? new URL('../dist/src/build-worker.js', here)
    : new URL('./build-worker.js', here);
}

function abortedError(signal: AbortSignal, suffix = ''): BuildLimitError {
  const reason: unknown = signal.reason;
  const text = reason instanceof Error ? reason.message : String(reason);
  return new BuildLimitError('aborted', `${text}${suffix}`, { cause: reason });
}

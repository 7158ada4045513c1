import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDuration } from '@tide/kube';
import { memoryWatchIntervalMs, residentMemoryMb, workerHeapMb } from './worker-memory.js';
import {
  errorFromData,
  type BuildInput,
  type BuildOutput,
  type BuildReply,
  type BuildTask,
  type WorkerReady,
} from './build-task.js';

export type { BuildOutput } from './build-task.js';

/**
 * Kustomize builds and post-build substitution of tenant input, off the event loop: a few
 * worker processes, each under a memory limit, render one Kustomization at a time under a
 * wall-clock limit. A build past its memory or its time, or one whose reconcile is aborted,
 * ends its worker (a fresh one replaces it), so one tenant's build can never stall health
 * probes, Lease renewals or the other tenants' reconciles.
 *
 * Workers are child processes rather than worker_threads: a thread's `resourceLimits` are
 * best effort (one large allocation past the limit aborts the whole process, nodejs/node
 * #47224), and `--max-old-space-size` in NODE_OPTIONS overrides them (#43991). A process
 * past its `--max-old-space-size` dies alone, and its own command line wins over
 * NODE_OPTIONS.
 */

export interface BuildPoolOptions {
  /** How many builds run at once (`--build-workers`). */
  readonly workers: number;
  /**
   * Each worker's whole memory in MiB (`--build-memory-limit`): its heap is smaller by the
   * worker's own overhead, and a busy worker's resident memory is held under it.
   */
  readonly memoryLimitMb: number;
  /** Wall-clock limit of one build in milliseconds (`--build-timeout`). */
  readonly timeoutMs: number;
  /**
   * Where each worker gets its own temporary directory (remote-base checkouts), removed
   * when the worker ends, even when it was killed mid-build; the OS temp directory when
   * omitted.
   */
  readonly workDir?: string | undefined;
  /** The compiled worker script; by default build-worker.js beside this module's compiled form. */
  readonly workerUrl?: URL;
}

export interface BuildRequest extends BuildInput {
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
  readonly resolve: (output: BuildOutput) => void;
  readonly reject: (error: Error) => void;
  readonly onAbort: () => void;
  timer?: NodeJS.Timeout;
  /** Reads the busy worker's resident memory. */
  watch?: NodeJS.Timeout;
}

interface Slot {
  readonly worker: ChildProcess;
  online: boolean;
  /** The end of the worker's stderr, where V8 says why it died. */
  stderr: string;
  /** The worker's TMPDIR. */
  readonly tmp: string;
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

  /**
   * Renders one Kustomization in a worker: its objects and their digest. Rejects with the
   * build's typed error, or a BuildLimitError.
   */
  build(request: BuildRequest): Promise<BuildOutput> {
    if (this.closed) return Promise.reject(new Error('the build pool is closed'));
    // The signal stays here: only the build input crosses to the worker.
    const { signal, ...input } = request;
    if (signal?.aborted === true) return Promise.reject(abortedError(signal));
    return new Promise<BuildOutput>((resolve, reject) => {
      const pending: Pending = {
        task: { id: this.nextId++, ...input },
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
    const workers: Promise<void>[] = [];
    for (const slot of this.slots) {
      slot.retired = true;
      if (slot.current !== undefined) this.settle(slot.current, stopped);
      workers.push(stop(slot));
    }
    this.slots.clear();
    this.idle.length = 0;
    await Promise.all(workers);
  }

  private dispatch(): void {
    let starting = [...this.slots].filter((slot) => !slot.online).length;
    while (starting < this.queue.length - this.idle.length && this.spawn() !== undefined)
      starting += 1;
    while (this.queue.length > 0) {
      const slot = this.idle.pop();
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
    keepAlive(slot.worker, true);
    pending.timer = setTimeout(() => {
      this.fail(
        slot,
        new BuildLimitError(
          'time',
          `build did not finish within the build time limit of ${formatDuration(this.options.timeoutMs)} (raise it with --build-timeout); its worker was stopped`,
        ),
      );
    }, this.options.timeoutMs);
    pending.watch = setInterval(() => {
      this.checkMemory(slot);
    }, memoryWatchIntervalMs);
    slot.worker.send(pending.task);
  }

  /** Stops a busy worker whose resident memory passed the limit. */
  private checkMemory(slot: Slot): void {
    const pid = slot.worker.pid;
    const resident = pid === undefined ? undefined : residentMemoryMb(pid);
    if (resident === undefined || resident <= this.options.memoryLimitMb) return;
    this.fail(slot, this.memoryError());
  }

  private memoryError(): BuildLimitError {
    return new BuildLimitError(
      'memory',
      `build ran out of memory: the build memory limit is ${this.options.memoryLimitMb} MiB (raise it with --build-memory-limit); its worker was stopped`,
    );
  }

  /**
   * A new worker when fewer than `workers` run; undefined when the pool is full or closed.
   * It takes builds once it said it is ready, so its start-up is not counted as build time.
   */
  private spawn(): Slot | undefined {
    if (this.closed || this.slots.size >= this.options.workers) return undefined;
    if (!existsSync(this.workerUrl)) {
      const missing = new Error(
        `build worker ${fileURLToPath(this.workerUrl)} not found: compile the controller (npx tsc -b)`,
      );
      for (const pending of this.queue.splice(0)) this.settle(pending, missing);
      return undefined;
    }
    const tmp = mkdtempSync(join(this.options.workDir ?? tmpdir(), 'tide-build-worker-'));
    const worker = fork(this.workerUrl, [], {
      execArgv: [
        '--disable-proto=delete',
        `--max-old-space-size=${workerHeapMb(this.options.memoryLimitMb)}`,
      ],
      env: { ...process.env, TMPDIR: tmp },
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const slot: Slot = { worker, online: false, retired: false, stderr: '', tmp };
    worker.stderr?.setEncoding('utf8');
    worker.stderr?.on('data', (chunk: string) => {
      slot.stderr = (slot.stderr + chunk).slice(-4096);
    });
    worker.on('message', (message: BuildReply | WorkerReady) => {
      if ('ready' in message) this.ready(slot);
      else this.finish(slot, message);
    });
    worker.on('error', (error) => {
      this.fail(slot, new BuildLimitError('crashed', `build worker failed: ${error.message}`));
    });
    worker.on('exit', (code, signal) => {
      this.fail(slot, this.exitError(slot, code, signal));
    });
    this.slots.add(slot);
    return slot;
  }

  /** Why a worker ended by itself: its heap limit (V8 aborts), or a crash. */
  private exitError(
    slot: Slot,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): BuildLimitError {
    if (signal === 'SIGABRT' || /heap out of memory|heap limit/i.test(slot.stderr))
      return this.memoryError();
    const said = slot.stderr.trim().split('\n').pop() ?? '';
    return new BuildLimitError(
      'crashed',
      `build worker exited (${signal ?? `code ${code ?? 0}`})${said === '' ? '' : `: ${said}`}`,
    );
  }

  private ready(slot: Slot): void {
    if (slot.retired || slot.online) return;
    slot.online = true;
    this.park(slot);
    this.dispatch();
  }

  /** An idle worker waits for builds without keeping the controller process running. */
  private park(slot: Slot): void {
    keepAlive(slot.worker, false);
    this.idle.push(slot);
  }

  private finish(slot: Slot, reply: BuildReply): void {
    const pending = slot.current;
    if (slot.retired || pending?.task.id !== reply.id) return;
    slot.current = undefined;
    if (reply.ok) this.settle(pending, undefined, reply.output);
    else this.settle(pending, errorFromData(reply.error));
    this.park(slot);
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
    void stop(slot);
    if (this.closed) return;
    this.replacedCount += 1;
    if (slot.online) this.spawn();
    else {
      // A worker that never came up (a missing or broken script) is not respawned in a
      // loop: what waits fails with its reason, and the next build tries again.
      for (const pending of this.queue.splice(0))
        this.settle(pending, new Error(`build worker could not start: ${error.message}`));
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

  private settle(pending: Pending, error: Error | undefined, output?: BuildOutput): void {
    clearTimeout(pending.timer);
    clearInterval(pending.watch);
    pending.signal?.removeEventListener('abort', pending.onAbort);
    if (error === undefined && output !== undefined) pending.resolve(output);
    else pending.reject(error ?? new Error('build ended without a result'));
  }
}

/**
 * build-worker.js beside this module. Run from its TypeScript source (jest compiles the
 * tests' imports in-process), the worker is still the compiled one in dist/: a worker
 * process runs plain JavaScript, and that is the file the controller runs.
 */
function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts')
    ? new URL('../dist/src/build-worker.js', here)
    : new URL('./build-worker.js', here);
}

/** A starting or busy worker keeps the process running (its result is awaited); an idle one does not. */
function keepAlive(worker: ChildProcess, busy: boolean): void {
  if (busy) {
    worker.ref();
    worker.channel?.ref();
  } else {
    worker.unref();
    worker.channel?.unref();
  }
}

/** Kills a worker (it holds nothing worth a graceful stop), then removes its TMPDIR. */
async function stop(slot: Slot): Promise<void> {
  const { worker } = slot;
  if (worker.exitCode === null && worker.signalCode === null) {
    await new Promise<void>((resolve) => {
      worker.once('exit', () => {
        resolve();
      });
      // An idle worker was unref'd: its exit is awaited, so it must hold the process again.
      keepAlive(worker, true);
      worker.kill('SIGKILL');
    });
  }
  await rm(slot.tmp, { recursive: true, force: true });
}

function abortedError(signal: AbortSignal, suffix = ''): BuildLimitError {
  const reason: unknown = signal.reason;
  const text = reason instanceof Error ? reason.message : String(reason);
  return new BuildLimitError('aborted', `${text}${suffix}`, { cause: reason });
}

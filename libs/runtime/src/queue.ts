/**
 * The work queue between informers and reconcile workers. Keys (`namespace/name`) are
 * de-duplicated while waiting, a key being processed is never handed to a second worker
 * (an add during processing is parked until done()), failures back off exponentially per
 * key, and retries share a global token bucket so a broken API server is not hammered.
 */

/** Per-key exponential backoff: min·2^failures, capped at max (Flux: 750ms…15m). */
export class ItemBackoff {
  private readonly failures = new Map<string, number>();
  constructor(
    readonly minDelayMs: number,
    readonly maxDelayMs: number,
  ) {}

  /** The delay before the next retry of `key`; counts this as one more failure. */
  next(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    // 2^failures overflows to Infinity long before it matters; the cap keeps it finite.
    return Math.min(this.minDelayMs * 2 ** failures, this.maxDelayMs);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}

/** A token bucket: `qps` tokens a second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    readonly qps: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token and answers how long the caller must wait for it (0 if one was saved). */
  reserve(): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }
}

/** What the queue reports; the manager backs it with Prometheus metrics. */
export interface QueueObserver {
  added(): void;
  depth(depth: number): void;
  /** Seconds a key waited between add and a worker taking it. */
  waited(seconds: number): void;
  /** Seconds a worker held a key. */
  worked(seconds: number): void;
  retried(): void;
}

export interface WorkQueueOptions {
  readonly minRetryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  /** Global rate limit on retries (tokens per second and burst). */
  readonly retryQps?: number;
  readonly retryBurst?: number;
  readonly observer?: QueueObserver;
}

export const defaultMinRetryDelayMs = 750;
export const defaultMaxRetryDelayMs = 15 * 60 * 1000;

export class WorkQueue {
  readonly backoff: ItemBackoff;
  private readonly bucket: TokenBucket;
  private readonly observer: QueueObserver | undefined;
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Map<string, number>();
  private readonly addedAt = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.backoff = new ItemBackoff(
      options.minRetryDelayMs ?? defaultMinRetryDelayMs,
      options.maxRetryDelayMs ?? defaultMaxRetryDelayMs,
    );
    this.bucket = new TokenBucket(options.retryQps ?? 10, options.retryBurst ?? 100);
    this.observer = options.observer;
  }

  /** Keys waiting for a worker. */
  get length(): number {
    return this.queue.length;
  }

  /** Keys held by workers right now, with when each was taken (ms since epoch). */
  inFlight(): ReadonlyMap<string, number> {
    return this.processing;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.observer?.added();
    this.dirty.add(key);
    this.addedAt.set(key, Date.now());
    // Parked: done() queues it again once the current worker lets go.
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Adds `key` after `delayMs`; an earlier pending add of the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending !== undefined) {
      if (pending.at <= at) return;
      clearTimeout(pending.timer);
    }
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { at, timer });
  }

  /** Re-adds a failed key after its backoff (or the global bucket's wait, if longer). */
  addRateLimited(key: string): number {
    const delay = Math.max(this.backoff.next(key), this.bucket.reserve());
    this.observer?.retried();
    this.addAfter(key, delay);
    return delay;
  }

  /**
   * Drops a pending delayed add of `key`: after a reconcile decided when to come back, an
   * older retry timer is stale and would only run the object once more for nothing.
   */
  cancelDelayed(key: string): void {
    const pending = this.delayed.get(key);
    if (pending === undefined) return;
    clearTimeout(pending.timer);
    this.delayed.delete(key);
  }

  /** Clears the failure history of `key` (after a success). */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  /** Waits for the next key; undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.take(key));
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** A worker is finished with `key`; an add that arrived meanwhile is queued now. */
  done(key: string): void {
    const takenAt = this.processing.get(key);
    if (takenAt !== undefined) this.observer?.worked((Date.now() - takenAt) / 1000);
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
  }

  /** Stops handing out keys; waiting workers get undefined, pending delayed adds are dropped. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.queue.length = 0;
    this.dirty.clear();
    this.observer?.depth(0);
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  private push(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter(this.take(key));
      return;
    }
    this.queue.push(key);
    this.observer?.depth(this.queue.length);
  }

  private take(key: string): string {
    this.dirty.delete(key);
    const now = Date.now();
    this.processing.set(key, now);
    this.observer?.waited((now - (this.addedAt.get(key) ?? now)) / 1000);
    this.addedAt.delete(key);
    this.observer?.depth(this.queue.length);
    return key;
  }
}

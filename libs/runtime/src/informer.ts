import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { ApiError, type KubeClient, messageOf } from '@tide/kube';
import { objectKey, type KindRef, type KubeObject } from '@tide/kube';

/**
 * List + watch of one kind into a read cache. Watches ask for bookmarks and resume from the
 * last resourceVersion seen; `410 Gone` (history compacted) relists and reports what changed
 * meanwhile, deletions included; other failures reconnect with exponential backoff. A
 * watchdog aborts a watch that stays silent longer than the server could have kept it open
 * (a half-open connection), since client-node 1.4's watch timeout never applies.
 */

export type InformerEvent<T> =
  | { readonly type: 'added'; readonly obj: T }
  | { readonly type: 'updated'; readonly obj: T; readonly old: T }
  | { readonly type: 'deleted'; readonly obj: T };

export interface InformerOptions {
  readonly client: KubeClient;
  readonly kind: KindRef;
  /** Only this namespace; all namespaces when undefined (or for cluster-scoped kinds). */
  readonly namespace?: string | undefined;
  readonly labelSelector?: string | undefined;
  readonly logger: Logger;
  /** What the API server is asked to keep a watch open for; jittered up to +50%. Default 300. */
  readonly watchTimeoutSeconds?: number;
  /** Silence after which a watch is taken for dead. Default: watch timeout + 30s. */
  readonly watchdogMs?: number;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** What happened so far; tests and logs read it. */
export interface InformerStats {
  lists: number;
  watches: number;
  /** Relists forced by 410 Gone. */
  gone: number;
  /** Watches that failed or went silent and were reopened after a backoff. */
  reconnects: number;
  watchdogFired: number;
  bookmarks: number;
}

class WatchdogFired extends Error {
  override readonly name = 'WatchdogFired';
}

interface WatchEvent {
  type?: string;
  object?: KubeObject & { code?: number; reason?: string; message?: string };
}

export class Informer<T extends KubeObject = KubeObject> {
  readonly stats: InformerStats = {
    lists: 0,
    watches: 0,
    gone: 0,
    reconnects: 0,
    watchdogFired: 0,
    bookmarks: 0,
  };
  private readonly cache = new Map<string, T>();
  private readonly handlers: ((event: InformerEvent<T>) => void)[] = [];
  private readonly stopping = new AbortController();
  private resourceVersion = '';
  private hasSynced = false;
  private syncWaiters: (() => void)[] = [];
  private abortWatch: (() => void) | undefined;
  private failure: string | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: InformerOptions) {}

  get kind(): KindRef {
    return this.options.kind;
  }

  get synced(): boolean {
    return this.hasSynced;
  }

  /** Why the last list or watch failed, until one succeeds again. */
  get lastError(): string | undefined {
    return this.failure;
  }

  /** The last resourceVersion seen (event, bookmark or list). */
  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  /**
   * Handlers run synchronously for every change, in order. One that throws is logged and
   * the others still run: the cache has moved on, so the event would not come again.
   */
  onEvent(handler: (event: InformerEvent<T>) => void): void {
    this.handlers.push(handler);
  }

  /** The cached object. Shared with every reader: clone before changing it. */
  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(
      namespace === undefined || namespace === '' ? name : `${namespace}/${name}`,
    );
  }

  list(namespace?: string): T[] {
    const all = [...this.cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  keys(): string[] {
    return [...this.cache.keys()];
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Resolves once the first list is in the cache; rejects if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.hasSynced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.syncWaiters.push(resolve);
      signal?.addEventListener('abort', () => {
        reject(new Error(`${this.options.kind.kind} informer: stopped before its cache synced`));
      });
    });
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.abortWatch?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { kind, logger } = this.options;
    let needList = true;
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        await this.watch(() => {
          failures = 0;
        });
      } catch (error) {
        if (this.isStopping()) break;
        if (error instanceof ApiError && error.gone) {
          this.stats.gone += 1;
          logger.info({ kind: kind.kind }, `${kind.kind} watch: ${error.message}; relisting`);
          needList = true;
          continue;
        }
        if (error instanceof WatchdogFired) this.stats.watchdogFired += 1;
        failures += 1;
        this.stats.reconnects += 1;
        this.failure = messageOf(error);
        const delay = this.backoff(failures);
        logger.warn(
          { kind: kind.kind, err: error, retryInMs: delay },
          `${kind.kind} ${needList ? 'list' : 'watch'} failed: ${messageOf(error)}`,
        );
        await sleep(delay, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      }
    }
  }

  private isStopping(): boolean {
    return this.stopping.signal.aborted;
  }

  private backoff(failures: number): number {
    const min = this.options.minBackoffMs ?? 200;
    const max = this.options.maxBackoffMs ?? 30_000;
    const base = Math.min(min * 2 ** (failures - 1), max);
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  /** Replaces the cache with a fresh list and reports the differences as events. */
  private async relist(): Promise<void> {
    const { client, kind, namespace, labelSelector } = this.options;
    const listed = await client.list<T>(kind, {
      ...(namespace === undefined ? {} : { namespace }),
      ...(labelSelector === undefined ? {} : { labelSelector }),
    });
    this.stats.lists += 1;
    const seen = new Set<string>();
    for (const obj of listed.items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.cache.get(key);
      this.cache.set(key, obj);
      if (old === undefined) this.emit({ type: 'added', obj });
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) {
        this.emit({ type: 'updated', obj, old });
      }
    }
    for (const [key, old] of [...this.cache]) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      this.emit({ type: 'deleted', obj: old });
    }
    this.resourceVersion = listed.resourceVersion;
    this.failure = undefined;
    if (!this.hasSynced) {
      this.hasSynced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  /** One watch from the last resourceVersion, until the server ends it or it fails. */
  private async watch(onOpen: () => void): Promise<void> {
    const { client, kind, namespace, labelSelector } = this.options;
    const timeoutSeconds = Math.round(
      (this.options.watchTimeoutSeconds ?? 300) * (1 + Math.random() * 0.5),
    );
    const watchdogMs = this.options.watchdogMs ?? timeoutSeconds * 1000 + 30_000;
    const { response, abort } = await client.stream({
      method: 'GET',
      path: client.collectionPath(kind, namespace),
      query: {
        watch: 'true',
        allowWatchBookmarks: 'true',
        resourceVersion: this.resourceVersion,
        timeoutSeconds: String(timeoutSeconds),
        labelSelector: labelSelector === '' ? undefined : labelSelector,
      },
    });
    this.stats.watches += 1;
    onOpen();
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      let settled = false;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        this.abortWatch = undefined;
        abort();
        if (error === undefined) resolve();
        else reject(error instanceof Error ? error : new Error('watch failed', { cause: error }));
      };
      let watchdog = setTimeout(() => {
        finish(new WatchdogFired(`no data for ${watchdogMs}ms`));
      }, watchdogMs);
      this.abortWatch = () => {
        finish();
      };
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          finish(new WatchdogFired(`no data for ${watchdogMs}ms`));
        }, watchdogMs);
        buffered += chunk;
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf('\n');
          if (line === '') continue;
          try {
            this.handleWatchEvent(JSON.parse(line) as WatchEvent);
          } catch (error) {
            finish(error);
            return;
          }
        }
      });
      response.on('end', () => {
        finish();
      });
      response.on('error', (error) => {
        finish(error);
      });
      response.on('close', () => {
        finish(new Error(`${kind.kind} watch: connection closed`));
      });
    });
  }

  private handleWatchEvent(event: WatchEvent): void {
    const obj = event.object;
    if (obj === undefined) return;
    switch (event.type) {
      case 'BOOKMARK':
        this.stats.bookmarks += 1;
        this.resourceVersion = obj.metadata.resourceVersion ?? this.resourceVersion;
        return;
      case 'ERROR':
        throw new ApiError(
          obj.code ?? 500,
          obj.reason ?? 'WatchError',
          `${this.options.kind.kind} watch: ${obj.message ?? 'error event'}`,
        );
      case 'ADDED':
      case 'MODIFIED': {
        const typed = obj as T;
        const key = objectKey(typed);
        const old = this.cache.get(key);
        this.cache.set(key, typed);
        this.resourceVersion = typed.metadata.resourceVersion ?? this.resourceVersion;
        this.emit(
          old === undefined ? { type: 'added', obj: typed } : { type: 'updated', obj: typed, old },
        );
        return;
      }
      case 'DELETED': {
        const typed = obj as T;
        this.cache.delete(objectKey(typed));
        this.resourceVersion = typed.metadata.resourceVersion ?? this.resourceVersion;
        this.emit({ type: 'deleted', obj: typed });
        return;
      }
      default:
        return;
    }
  }

  private emit(event: InformerEvent<T>): void {
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (error) {
        const { kind, logger } = this.options;
        logger.error(
          { kind: kind.kind, key: objectKey(event.obj), event: event.type, err: error },
          `${kind.kind} informer: an event handler failed: ${messageOf(error)}`,
        );
      }
    }
  }
}

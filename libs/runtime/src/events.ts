import type { Logger } from 'pino';
import { isApiError, PatchType, type KubeClient, messageOf } from '@tide/kube';
import { formatTime } from './conditions.js';
import type { KindRef, KubeObject } from '@tide/kube';

/**
 * Kubernetes Events (core/v1, so `kubectl describe` and `kubectl get events` show them with
 * a count). The same event for the same object within the window bumps the count of the
 * existing Event instead of creating another.
 */

export const EventType = { Normal: 'Normal', Warning: 'Warning' } as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

export interface EventInput {
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
  /** Extra metadata, e.g. `{ 'source.toolkit.fluxcd.io/revision': 'main@sha1:…' }`. */
  readonly annotations?: Readonly<Record<string, string>>;
}

export type Correlation =
  | { readonly action: 'create' }
  | { readonly action: 'update'; readonly name: string; readonly count: number };

export interface EventCorrelatorOptions {
  /** How long an Event stays the one to bump. kubectl's recorder uses 10 minutes. */
  readonly windowMs?: number;
  /** How many distinct events are remembered (oldest forgotten first). */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/** Decides, with no I/O, whether an event is new or a repeat of one already written. */
export class EventCorrelator {
  private readonly entries = new Map<string, { name: string; count: number; lastSeen: number }>();
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: EventCorrelatorOptions = {}) {
    this.windowMs = options.windowMs ?? 10 * 60 * 1000;
    this.maxEntries = options.maxEntries ?? 4096;
    this.now = options.now ?? Date.now;
  }

  static key(objectUid: string, event: EventInput): string {
    return [objectUid, event.type, event.reason, event.message].join('\u0000');
  }

  correlate(key: string): Correlation {
    const entry = this.entries.get(key);
    const now = this.now();
    if (entry === undefined || now - entry.lastSeen > this.windowMs) return { action: 'create' };
    entry.count += 1;
    entry.lastSeen = now;
    this.touch(key, entry);
    return { action: 'update', name: entry.name, count: entry.count };
  }

  /** Remembers the Event written for `key` (after a create, or a re-create). */
  remember(key: string, name: string, count = 1): void {
    this.touch(key, { name, count, lastSeen: this.now() });
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private touch(key: string, entry: { name: string; count: number; lastSeen: number }): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }
}

const eventKind: KindRef = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  namespaced: true,
};

export interface EventRecorderOptions {
  readonly client: KubeClient;
  /** `source.component` and `reportingController`, e.g. `source-controller`. */
  readonly component: string;
  /** `reportingInstance`: the pod name. */
  readonly instance: string;
  readonly logger: Logger;
  readonly correlator?: EventCorrelator;
}

interface CoreEvent extends KubeObject {
  count?: number;
  lastTimestamp?: string;
}

export class EventRecorder {
  readonly correlator: EventCorrelator;
  private sequence = 0;

  constructor(private readonly options: EventRecorderOptions) {
    this.correlator = options.correlator ?? new EventCorrelator();
  }

  /** Records an event about `obj`. Best effort: a failure is logged, never thrown. */
  async record(obj: KubeObject, event: EventInput): Promise<void> {
    const key = EventCorrelator.key(obj.metadata.uid ?? objectName(obj), event);
    const namespace = obj.metadata.namespace ?? 'default';
    try {
      const correlation = this.correlator.correlate(key);
      if (correlation.action === 'update') {
        try {
          await this.bump(namespace, correlation.name, correlation.count);
          return;
        } catch (error) {
          // Events expire (the API server's event TTL); write a fresh one.
          if (!isApiError(error, 404)) throw error;
        }
      }
      const created = await this.create(obj, namespace, event);
      this.correlator.remember(key, created);
    } catch (error) {
      this.correlator.forget(key);
      this.options.logger.error(
        { err: error, reason: event.reason },
        `recording event for ${objectName(obj)}: ${messageOf(error)}`,
      );
    }
  }

  private async bump(namespace: string, name: string, count: number): Promise<void> {
    await this.options.client.patch<CoreEvent>(
      eventKind,
      { namespace, name },
      { count, lastTimestamp: formatTime(new Date()) },
      { type: PatchType.Merge },
    );
  }

  private async create(obj: KubeObject, namespace: string, event: EventInput): Promise<string> {
    const now = new Date();
    // Named as kubectl names them: <object>.<unix nanoseconds in hex>, unique per recorder.
    const nanos = BigInt(now.getTime()) * 1_000_000n + BigInt(this.sequence++ % 1_000_000);
    const name = `${obj.metadata.name ?? 'object'}.${nanos.toString(16)}`;
    const body = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name,
        namespace,
        ...(event.annotations === undefined ? {} : { annotations: { ...event.annotations } }),
      },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      type: event.type,
      reason: event.reason,
      message: event.message.slice(0, 1024),
      source: { component: this.options.component },
      reportingComponent: this.options.component,
      reportingInstance: this.options.instance,
      firstTimestamp: formatTime(now),
      lastTimestamp: formatTime(now),
      count: 1,
    };
    await this.options.client.create(eventKind, body);
    return name;
  }
}

function objectName(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return `${obj.kind ?? 'object'} ${ns === undefined ? '' : `${ns}/`}${obj.metadata.name ?? ''}`;
}

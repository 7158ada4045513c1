import type { Logger } from 'pino';
import type { KubeClient } from '@tide/kube';
import type { ConditionPolicy } from './conditions.js';
import type { EventInput } from './events.js';
import type { Informer } from './informer.js';
import type { KindRef, KubeObject } from '@tide/kube';
import type { ReconcilableObject } from './object.js';
import type { ReconcileResult } from './result.js';

/** What a controller package implements, one per kind (STYLE.md rules 1–4). */

/** The finalizer every Tide (and Flux) kind carries until its clean-up has run. */
export const finalizerName = 'finalizers.fluxcd.io';

/** Setting this annotation to a new value asks for a reconcile now (`flux reconcile`). */
export const reconcileRequestAnnotation = 'reconcile.fluxcd.io/requestedAt';

/** What the runtime hands a reconciler besides the object. */
export interface ReconcileContext {
  /** Carries controller, kind, name, namespace and reconcileID. */
  readonly logger: Logger;
  readonly reconcileID: string;
  /** Aborted when the manager stops or loses leadership: wire calls should pass it on. */
  readonly signal: AbortSignal;
  /** The manager's client; its requests end when `signal` aborts. */
  readonly client: KubeClient;
  /**
   * Whether this process may still write: false once leadership is lost, and as soon as the
   * renew deadline has passed (even before the watchdog could run). Ask right before a step
   * that changes the cluster (apply, prune): when false, another replica may be acting.
   */
  isLeader(): boolean;
  /** Records an Event about the object being reconciled. */
  event(event: EventInput): Promise<void>;
  /** Writes the status changes made so far, for progress on long reconciles. */
  patchStatus(): Promise<void>;
  /** The read cache of another kind (declared in `watches` or `caches`). */
  cache<U extends KubeObject>(kind: KindRef): Informer<U>;
}

/** Another kind whose changes should reconcile objects of this kind. */
export interface Watch {
  readonly kind: KindRef;
  /** The keys (`namespace/name`) of this kind's objects to reconcile when `obj` changes. */
  map(
    obj: KubeObject,
    context: { cache<U extends KubeObject>(kind: KindRef): Informer<U> },
  ): string[];
}

export interface Reconciler<T extends ReconcilableObject = ReconcilableObject> {
  readonly kind: KindRef;
  /** The conditions this kind owns and how they summarize into Ready. */
  readonly conditions: ConditionPolicy;
  /** Reconciles a live object (not being deleted, not suspended, finalizer in place). */
  reconcile(obj: T, context: ReconcileContext): Promise<ReconcileResult>;
  /** Clean-up before the finalizer comes off; nothing when omitted. */
  finalize?(obj: T, context: ReconcileContext): Promise<ReconcileResult>;
  /** Ready's message on success; "Reconciliation succeeded" when omitted. */
  successMessage?(obj: T): string;
  /** How often to reconcile (ms); `spec.interval` when omitted, never when neither says. */
  interval?(obj: T): number | undefined;
  readonly watches?: readonly Watch[];
  /** Other kinds to keep a read cache of, without reconciling on their changes. */
  readonly caches?: readonly KindRef[];
}

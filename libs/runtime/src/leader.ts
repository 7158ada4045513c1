import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isApiError, messageOf, type KubeClient } from '@tide/kube';
import type { KindRef, KubeObject } from '@tide/kube';

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: a candidate takes
 * the Lease when it is free or when its holder has not renewed it for a whole lease duration
 * (measured on the candidate's own clock from when it last saw the record change, so clocks
 * need not agree); the leader renews every retry period.
 *
 * Leading is bounded by time, not by answers: a successful renew started at `t` lets this
 * process lead until `t + renewDeadline`, which is before any other candidate can take the
 * Lease (`renewDeadline < leaseDuration`, and the others count from when they saw the record
 * change, after `t`). Every Lease call is cut off at that instant, and a watchdog timer fires
 * then whether or not a call ever returns; `isLeader` also answers by the clock, so code that
 * asks between a stalled event loop and the timer firing already hears "no".
 */

export const leaseKind: KindRef = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  namespaced: true,
};

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectionOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  /** The Lease's name, e.g. `source-controller-leader-election`. */
  readonly name: string;
  /** Unique per process: the pod name plus a random suffix. */
  readonly identity: string;
  readonly leaseDurationMs: number;
  /** How long leading lasts after the start of the last successful renew; below the lease duration. */
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  /** Give the Lease up on stop() so a successor need not wait a lease duration. */
  readonly releaseOnCancel: boolean;
  readonly logger: Logger;
}

export interface LeadershipCallbacks {
  onStartedLeading(): void;
  /** Called once, when leadership is lost (not on a graceful stop). */
  onStoppedLeading(): void;
}

/**
 * A write refused because this process is no longer the leader: another replica may be
 * writing by now, so nothing more may go to the API server.
 */
export class NotLeaderError extends Error {
  override readonly name = 'NotLeaderError';
}

/** Leader election settings that cannot keep a single leader. */
export class LeaderElectionConfigError extends Error {
  override readonly name = 'LeaderElectionConfigError';
}

export class LeaderElector {
  private readonly stopping = new AbortController();
  /** Aborted when leadership is lost: ends the renew loop and the Lease call in flight. */
  private readonly lost = new AbortController();
  private leading = false;
  /** Leading is valid until this instant (ms since the epoch). */
  private validUntil = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private callbacks: LeadershipCallbacks | undefined;
  private observed: { holder: string; renewTime: string; at: number } | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: LeaderElectionOptions) {
    const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = options;
    if (!(renewDeadlineMs < leaseDurationMs))
      throw new LeaderElectionConfigError(
        `leader election: the renew deadline (${renewDeadlineMs}ms) must be shorter than the lease duration (${leaseDurationMs}ms)`,
      );
    if (!(retryPeriodMs > 0 && retryPeriodMs < renewDeadlineMs))
      throw new LeaderElectionConfigError(
        `leader election: the retry period (${retryPeriodMs}ms) must be positive and shorter than the renew deadline (${renewDeadlineMs}ms)`,
      );
  }

  /**
   * Whether this process may act as leader now: elected, and its last renew started less than
   * a renew deadline ago. Finding the deadline passed loses leadership on the spot, without
   * waiting for the watchdog timer (late when the event loop was blocked).
   */
  get isLeader(): boolean {
    return this.leadsNow();
  }

  run(callbacks: LeadershipCallbacks): void {
    this.callbacks = callbacks;
    this.loop ??= this.campaign();
  }

  /** Stops campaigning or renewing; releases the Lease if leading and so configured. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    this.clearWatchdog();
    if (this.leadsNow() && this.options.releaseOnCancel) await this.release();
    this.leading = false;
  }

  /** A method, not the getter, so TypeScript does not narrow it between two calls. */
  private leadsNow(): boolean {
    if (this.leading && Date.now() >= this.validUntil) this.lose('the renew deadline passed');
    return this.leading;
  }

  private async campaign(): Promise<void> {
    const { logger, namespace, name, identity } = this.options;
    while (!this.isStopping()) {
      const started = Date.now();
      const deadline = started + this.options.renewDeadlineMs;
      const acquired = await this.tryAcquireOrRenew(this.attemptSignal(deadline));
      // An answer that came after the deadline is no lease to lead on; the next try renews it.
      if (acquired && Date.now() < deadline) {
        this.leading = true;
        this.renewed(started);
        if (this.isStopping()) return;
        logger.info({ lease: `${namespace}/${name}`, identity }, 'acquired the leader lease');
        this.callbacks?.onStartedLeading();
        await this.renewWhileLeading();
        return;
      }
      await this.pause(this.options.retryPeriodMs * (1 + Math.random() * 0.2));
    }
  }

  /** Renews every retry period until stopped or until leadership is lost. */
  private async renewWhileLeading(): Promise<void> {
    while (!this.isStopping() && this.leading) {
      await this.pause(this.options.retryPeriodMs);
      if (this.isStopping() || !this.leadsNow()) return;
      const started = Date.now();
      const renewed = await this.tryAcquireOrRenew(this.attemptSignal(this.validUntil));
      // A renew whose answer came after the deadline does not bring leadership back.
      if (renewed && this.leadsNow()) this.renewed(started);
    }
  }

  /** Leading until `started + renewDeadline`; the watchdog fires then unless renewed first. */
  private renewed(started: number): void {
    this.validUntil = started + this.options.renewDeadlineMs;
    this.clearWatchdog();
    this.watchdog = setTimeout(
      () => {
        this.lose(`no successful renew within ${this.options.renewDeadlineMs}ms`);
      },
      Math.max(0, this.validUntil - Date.now()),
    );
  }

  private lose(why: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.clearWatchdog();
    this.lost.abort(new Error(`leader election: ${why}`));
    const { logger, namespace, name, identity } = this.options;
    logger.error({ lease: `${namespace}/${name}`, identity }, `lost the leader lease: ${why}`);
    this.callbacks?.onStoppedLeading();
  }

  private clearWatchdog(): void {
    if (this.watchdog !== undefined) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  /** Ends a Lease call at `deadline`, on stop, or when leadership is lost. */
  private attemptSignal(deadline: number): AbortSignal {
    return AbortSignal.any([
      this.stopping.signal,
      this.lost.signal,
      AbortSignal.timeout(Math.max(1, deadline - Date.now())),
    ]);
  }

  private isStopping(): boolean {
    return this.stopping.signal.aborted;
  }

  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, {
      signal: AbortSignal.any([this.stopping.signal, this.lost.signal]),
    }).catch(() => undefined);
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const { namespace, name, identity, logger } = this.options;
    const client = this.options.client.withSignal(signal);
    const now = new Date();
    try {
      let lease: Lease;
      try {
        lease = await client.get<Lease>(leaseKind, namespace, name);
      } catch (error) {
        if (!isApiError(error, 404)) throw error;
        await client.create<Lease>(leaseKind, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: this.leaseSpec(now, now, 0),
        });
        this.observe(identity, microTime(now));
        return true;
      }
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      this.observe(holder, spec.renewTime ?? '');
      const observedAt = this.observed?.at ?? Date.now();
      const durationMs = (spec.leaseDurationSeconds ?? 0) * 1000;
      if (holder !== '' && holder !== identity && observedAt + durationMs > Date.now())
        return false;
      const mine = holder === identity;
      const acquireTime =
        mine && spec.acquireTime !== undefined ? spec.acquireTime : microTime(now);
      const transitions = (spec.leaseTransitions ?? 0) + (mine ? 0 : 1);
      const updated = await client.replace<Lease>(leaseKind, {
        ...lease,
        spec: { ...this.leaseSpecFrom(acquireTime, now, transitions) },
      });
      this.observe(identity, updated.spec?.renewTime ?? '');
      return true;
    } catch (error) {
      // A conflict means another candidate wrote first; a stop is no news; anything else
      // (a cut-off attempt included) is worth a line.
      if (!isApiError(error, 409) && !this.isStopping()) {
        logger.warn(
          { err: error, lease: `${namespace}/${name}` },
          `leader election: ${messageOf(error)}`,
        );
      }
      return false;
    }
  }

  private observe(holder: string, renewTime: string): void {
    if (this.observed?.holder === holder && this.observed.renewTime === renewTime) return;
    this.observed = { holder, renewTime, at: Date.now() };
  }

  private leaseSpec(acquire: Date, renew: Date, transitions: number): LeaseSpec {
    return this.leaseSpecFrom(microTime(acquire), renew, transitions);
  }

  private leaseSpecFrom(acquireTime: string, renew: Date, transitions: number): LeaseSpec {
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.options.leaseDurationMs / 1000)),
      acquireTime,
      renewTime: microTime(renew),
      leaseTransitions: transitions,
    };
  }

  /** Hands the Lease back: empty holder, so the next candidate takes it at its next try. */
  private async release(): Promise<void> {
    const { namespace, name, identity, logger } = this.options;
    // Only while still leading: a release after the deadline could hand back a successor's Lease.
    const client = this.options.client.withSignal(
      AbortSignal.any([
        this.lost.signal,
        AbortSignal.timeout(Math.max(1, this.validUntil - Date.now())),
      ]),
    );
    try {
      const lease = await client.get<Lease>(leaseKind, namespace, name);
      if (lease.spec?.holderIdentity !== identity) return;
      const now = microTime(new Date());
      await client.replace<Lease>(leaseKind, {
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          renewTime: now,
          acquireTime: now,
        },
      });
      logger.info({ lease: `${namespace}/${name}`, identity }, 'released the leader lease');
    } catch (error) {
      logger.warn({ err: error }, `releasing the leader lease: ${String(error)}`);
    }
  }
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isApiError, type KubeClient } from '@tide/kube';
import type { KindRef, KubeObject } from '@tide/kube';

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: a candidate takes
 * the Lease when it is free or when its holder has not renewed it for a whole lease duration
 * (measured on the candidate's own clock from when it last saw the record change, so clocks
 * need not agree); the leader renews every retry period and gives up leading as soon as it
 * could not renew for the renew deadline.
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

export class LeaderElector {
  private readonly stopping = new AbortController();
  private leading = false;
  private observed: { holder: string; renewTime: string; at: number } | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: LeaderElectionOptions) {}

  get isLeader(): boolean {
    return this.leading;
  }

  run(callbacks: LeadershipCallbacks): void {
    this.loop ??= this.campaign(callbacks);
  }

  /** Stops campaigning or renewing; releases the Lease if leading and so configured. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    if (this.leading && this.options.releaseOnCancel) await this.release();
    this.leading = false;
  }

  private async campaign(callbacks: LeadershipCallbacks): Promise<void> {
    const { logger, namespace, name, identity } = this.options;
    while (!this.stopping.signal.aborted) {
      if (await this.tryAcquireOrRenew()) {
        this.leading = true;
        logger.info({ lease: `${namespace}/${name}`, identity }, 'acquired the leader lease');
        callbacks.onStartedLeading();
        const lost = await this.renewUntilLost();
        if (lost) {
          this.leading = false;
          logger.error({ lease: `${namespace}/${name}`, identity }, 'lost the leader lease');
          callbacks.onStoppedLeading();
        }
        return;
      }
      await this.pause(this.options.retryPeriodMs * (1 + Math.random() * 0.2));
    }
  }

  /** Renews every retry period; answers true when a renew deadline passed without one. */
  private async renewUntilLost(): Promise<boolean> {
    let lastRenew = Date.now();
    while (!this.stopping.signal.aborted) {
      await this.pause(this.options.retryPeriodMs);
      if (this.isStopping()) return false;
      if (await this.tryAcquireOrRenew()) lastRenew = Date.now();
      else if (Date.now() - lastRenew >= this.options.renewDeadlineMs) return true;
    }
    return false;
  }

  private isStopping(): boolean {
    return this.stopping.signal.aborted;
  }

  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.stopping.signal }).catch(() => undefined);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity, logger } = this.options;
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
      // A conflict means another candidate wrote first; anything else is worth a line.
      if (!isApiError(error, 409)) {
        logger.warn(
          { err: error, lease: `${namespace}/${name}` },
          `leader election: ${String(error)}`,
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
    const { client, namespace, name, identity, logger } = this.options;
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

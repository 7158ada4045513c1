import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  sharedControlPlane,
  startApiProxy,
  waitFor,
  type ApiProxy,
  type WriteRecord,
} from '@tide/harness';
import { configMapKind, PatchType, type KubeClient } from '@tide/kube';
import {
  createLogger,
  LeadershipLostError,
  Manager,
  requeueAfter,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
} from '../src/index.js';
import { installWidgetCrd, testClient, widget, widgetKind, type Widget } from './widget.js';

const leaseDurationMs = 4_000;
const renewDeadlineMs = 2_500;
const retryPeriodMs = 300;

/**
 * Reconciles every widget over and over, each time writing through the context's client (as
 * an apply does, after asking whether it still leads) and then through the status patch.
 */
class BeatReconciler implements Reconciler<Widget> {
  readonly kind = widgetKind;
  readonly conditions = { owned: [], negativePolarity: [] };
  readonly calls: number[] = [];

  constructor(private readonly who: string) {}

  async reconcile(obj: Widget, context: ReconcileContext): Promise<ReconcileResult> {
    this.calls.push(Date.now());
    if (!context.isLeader()) throw new Error(`${this.who}: asked to reconcile while not leading`);
    const name = obj.metadata.name ?? '';
    await context.client.patch(
      configMapKind,
      { namespace: obj.metadata.namespace, name: `beat-${name}` },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `beat-${name}`, namespace: obj.metadata.namespace },
        data: { writer: this.who, beat: String(this.calls.length) },
      },
      { type: PatchType.Apply, fieldManager: 'runtime-test', force: true },
    );
    obj.status = { ...obj.status, beat: `${this.who}-${this.calls.length}` };
    return requeueAfter(50);
  }
}

const isLease = (path: string) => path.includes('/apis/coordination.k8s.io/');

/** The API server that black-holes the leader's lease renewals; the standby gets through. */
describe('leader election against a black-holed Lease', () => {
  const controlPlane = sharedControlPlane();
  let client: KubeClient;
  const proxies: ApiProxy[] = [];
  const managers: Manager[] = [];

  beforeAll(async () => {
    await installWidgetCrd(controlPlane.connection);
    client = testClient(controlPlane.kubeConfig);
  });
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.stop()));
    await Promise.all(proxies.splice(0).map((p) => p.stop()));
  });
  afterAll(() => {
    client.close();
  });

  it('the leader stops writing before its Lease can expire; the standby takes over; never two writers', async () => {
    const namespace = await controlPlane.createNamespace('runtime-blackhole');
    const replica = async (identity: string) => {
      const proxy = await startApiProxy({ issuer: controlPlane.userIssuer, name: identity });
      proxies.push(proxy);
      const reconciler = new BeatReconciler(identity);
      const manager = new Manager({
        name: 'runtime-test',
        kubeConfig: proxy.kubeConfig,
        namespace,
        identity,
        logger: createLogger({ level: process.env.TIDE_TEST_LOG === '1' ? 'debug' : 'silent' }),
        runtime: {
          metricsAddr: '0',
          healthAddr: '0',
          watchAllNamespaces: false,
          concurrent: 2,
          minRetryDelayMs: 100,
          maxRetryDelayMs: 1_000,
          gracefulShutdownTimeoutMs: 2_000,
          enableLeaderElection: true,
          leaderElectionLeaseDurationMs: leaseDurationMs,
          leaderElectionRenewDeadlineMs: renewDeadlineMs,
          leaderElectionRetryPeriodMs: retryPeriodMs,
          leaderElectionReleaseOnCancel: false,
        },
      });
      manager.register(reconciler);
      managers.push(manager);
      return { proxy, reconciler, manager };
    };

    const leader = await replica('old-leader');
    await leader.manager.start();
    await waitFor(() => Promise.resolve(leader.manager.isLeader ? true : undefined), {
      timeoutMs: 10_000,
      what: 'the first replica to lead',
    });
    const standby = await replica('standby');
    await standby.manager.start();
    for (const name of ['a', 'b']) await client.create(widgetKind, widget(namespace, name));
    const beats = (proxy: ApiProxy) => proxy.writes.filter((w) => !isLease(w.path));
    await waitFor(() => Promise.resolve(beats(leader.proxy).length >= 10 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'the leader to be writing',
    });
    expect(standby.reconciler.calls).toHaveLength(0);

    // The test measures from the last renew that reached the server: have some first.
    const leaseRenews = (proxy: ApiProxy) =>
      proxy.writes.filter((w) => isLease(w.path) && w.status === 200);
    await waitFor(() => Promise.resolve(leaseRenews(leader.proxy).length >= 2 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'the leader to renew its Lease',
    });

    // From now on the leader's Lease calls are accepted and never answered.
    const blackHole = leader.proxy.blackHole((request) => isLease(request.path));
    const blackHoledAt = Date.now();
    let giveUp: NodeJS.Timeout | undefined;
    const lost = await Promise.race([
      leader.manager.done.then(
        () => 'stopped',
        (error: unknown) => (error instanceof LeadershipLostError ? 'lost' : String(error)),
      ),
      new Promise<string>((resolve) => {
        giveUp = setTimeout(() => {
          resolve('still leading');
        }, leaseDurationMs * 3);
      }),
    ]);
    clearTimeout(giveUp);
    const lostAfterMs = Date.now() - blackHoledAt;
    await waitFor(() => Promise.resolve(standby.manager.isLeader ? true : undefined), {
      timeoutMs: leaseDurationMs * 3,
      intervalMs: 50,
      what: 'the standby to take over',
    });
    await waitFor(() => Promise.resolve(beats(standby.proxy).length >= 4 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'the standby to be writing',
    });
    expect(blackHole.matched).toBeGreaterThan(0);

    // The old leader's last renew that reached the server, and its writes.
    const lastRenew = leaseRenews(leader.proxy).at(-1);
    if (lastRenew === undefined) throw new Error('the leader never renewed its Lease');
    const oldWrites = beats(leader.proxy);
    const lastOldWrite = Math.max(...oldWrites.map((w) => w.endedAt ?? Number.POSITIVE_INFINITY));
    const standbyWrites = standby.proxy.writes;
    const firstNewWrite = Math.min(...standbyWrites.map((w) => w.sentAt));
    const overlapping = oldWrites.filter((w) => (w.endedAt ?? Infinity) >= firstNewWrite);
    const report = (w: WriteRecord) =>
      `${w.proxy} ${w.method} ${w.path} sent +${w.sentAt - blackHoledAt}ms ended +${
        w.endedAt === undefined ? '?' : w.endedAt - blackHoledAt
      }ms`;

    if (process.env.TIDE_TEST_REPORT === '1')
      process.stdout.write(
        `lost after ${lostAfterMs}ms; last renew sent ${lastRenew.sentAt - blackHoledAt}ms; last old write ended ${lastOldWrite - blackHoledAt}ms; standby's first write ${firstNewWrite - blackHoledAt}ms (relative to the black hole)\n`,
      );
    expect(lost).toBe('lost');
    // Leading ends at the renew deadline, before anyone else may take the Lease.
    expect(lastOldWrite).toBeLessThan(lastRenew.sentAt + renewDeadlineMs + 500);
    expect(lastOldWrite).toBeLessThan(lastRenew.sentAt + leaseDurationMs);
    // Never two writers: the old leader's last write was done before the standby's first.
    expect(overlapping.map(report)).toEqual([]);
    expect(lastOldWrite).toBeLessThan(firstNewWrite);
    // The standby's first write is its takeover of the Lease.
    expect(standbyWrites[0] !== undefined && isLease(standbyWrites[0].path)).toBe(true);
    // Nothing of the old leader's reconciles ran after it lost.
    expect(Math.max(...leader.reconciler.calls)).toBeLessThan(lastRenew.sentAt + renewDeadlineMs);
  });
});

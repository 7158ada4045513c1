import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { sharedControlPlane, waitFor } from '@tide/harness';
import { LeadershipLostError, leaseKind, type Manager } from '../src/index.js';
import {
  installWidgetCrd,
  testClient,
  testManager,
  waitForWidget,
  widget,
  widgetKind,
  WidgetReconciler,
} from './widget.js';
import type { KubeClient } from '@tide/kube';

interface Lease {
  spec?: { holderIdentity?: string; leaseTransitions?: number };
}

const leaseDurationMs = 3_000;

// Two replicas, one Lease: only the leader reconciles; the other takes over when it stops.
describe('leader election', () => {
  const controlPlane = sharedControlPlane();
  let client: KubeClient;
  const running: Manager[] = [];

  beforeAll(async () => {
    await installWidgetCrd(controlPlane.connection);
    client = testClient(controlPlane.kubeConfig);
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((m) => m.stop()));
  });

  afterAll(() => {
    client.close();
  });

  it.each([
    { releaseOnCancel: false, name: 'lease expiry', within: leaseDurationMs + 1_500 },
    { releaseOnCancel: true, name: 'lease released on stop', within: leaseDurationMs },
  ])(
    'only the leader reconciles; the other takes over ($name)',
    async ({ releaseOnCancel, within }) => {
      const namespace = await controlPlane.createNamespace('runtime-leader');
      const replica = (identity: string) =>
        testManager({
          kubeConfig: controlPlane.kubeConfig,
          namespace,
          identity,
          runtime: {
            enableLeaderElection: true,
            leaderElectionLeaseDurationMs: leaseDurationMs,
            leaderElectionRenewDeadlineMs: 2_000,
            leaderElectionRetryPeriodMs: 300,
            leaderElectionReleaseOnCancel: releaseOnCancel,
          },
          reconciler: new WidgetReconciler(),
        });
      const first = replica('first');
      await first.manager.start();
      running.push(first.manager);
      await waitFor(() => Promise.resolve(first.manager.isLeader ? true : undefined), {
        timeoutMs: 10_000,
        what: 'first to lead',
      });
      const second = replica('second');
      await second.manager.start();
      running.push(second.manager);

      for (const name of ['a', 'b', 'c']) await client.create(widgetKind, widget(namespace, name));
      for (const name of ['a', 'b', 'c']) {
        await waitForWidget(
          client,
          namespace,
          name,
          (o) => o.status?.observedGeneration === 1,
          'reconciled',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(first.reconciler.calls.length).toBe(3);
      expect(second.reconciler.calls).toHaveLength(0);
      expect(second.manager.isLeader).toBe(false);
      const lease = await client.get<Lease & { metadata: object }>(
        leaseKind,
        namespace,
        'runtime-test-leader-election',
      );
      expect(lease.spec?.holderIdentity).toBe('first');

      const stoppedAt = Date.now();
      await first.manager.stop();
      running.splice(running.indexOf(first.manager), 1);
      await waitFor(() => Promise.resolve(second.manager.isLeader ? true : undefined), {
        timeoutMs: leaseDurationMs * 3,
        intervalMs: 50,
        what: 'second to take over',
      });
      const tookOverMs = Date.now() - stoppedAt;
      expect(tookOverMs).toBeLessThan(within);

      await client.create(widgetKind, widget(namespace, 'after'));
      await waitForWidget(
        client,
        namespace,
        'after',
        (o) => o.status?.observedGeneration === 1,
        'reconciled by the new leader',
      );
      expect(second.reconciler.callsFor('after')).toHaveLength(1);
      expect(first.reconciler.callsFor('after')).toHaveLength(0);
      const taken = await client.get<Lease & { metadata: object }>(
        leaseKind,
        namespace,
        'runtime-test-leader-election',
      );
      expect(taken.spec?.holderIdentity).toBe('second');
      expect(taken.spec?.leaseTransitions).toBe(1);
    },
  );

  it('stops reconciling when the Lease is taken away', async () => {
    const namespace = await controlPlane.createNamespace('runtime-leader-lost');
    const { manager, reconciler } = testManager({
      kubeConfig: controlPlane.kubeConfig,
      namespace,
      identity: 'victim',
      runtime: {
        enableLeaderElection: true,
        leaderElectionLeaseDurationMs: leaseDurationMs,
        leaderElectionRenewDeadlineMs: 1_000,
        leaderElectionRetryPeriodMs: 200,
      },
    });
    await manager.start();
    running.push(manager);
    await waitFor(() => Promise.resolve(manager.isLeader ? true : undefined), {
      timeoutMs: 10_000,
      what: 'leading',
    });

    // Another holder writes itself into the Lease with a long duration.
    const lease = await client.get<Lease & { metadata: object }>(
      leaseKind,
      namespace,
      'runtime-test-leader-election',
    );
    const stolenAt = Date.now();
    await client.replace(leaseKind, {
      ...lease,
      spec: { ...lease.spec, holderIdentity: 'thief', leaseDurationSeconds: 3600 },
    });
    await expect(manager.done).rejects.toBeInstanceOf(LeadershipLostError);
    expect(Date.now() - stolenAt).toBeLessThan(3_000);
    expect(manager.isLeader).toBe(false);

    await client.create(widgetKind, widget(namespace, 'orphan'));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(reconciler.callsFor('orphan')).toHaveLength(0);
  });
});

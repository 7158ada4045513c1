import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  makeTempDir,
  sharedControlPlane,
  startController,
  waitFor,
  type ControllerProcess,
  type SharedControlPlane,
  type TempDir,
} from '@tide/harness';
import { KubeClient, type KubeObject } from '@tide/kube';
import { leaseKind } from '@tide/runtime';

interface Lease extends KubeObject {
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number };
}

/**
 * A replica that lost the leader Lease must end (L4): another replica may reconcile now, and
 * the kubelet restarts this one as a fresh candidate. The process exits on purpose with 1,
 * whatever handles are still open, and says so in its log.
 */
describe('kustomize-controller process losing the leader Lease', () => {
  let plane: SharedControlPlane;
  let client: KubeClient;
  let temp: TempDir;
  let controller: ControllerProcess | undefined;
  const leaseName = 'kustomize-controller-leader-election';

  beforeAll(async () => {
    plane = sharedControlPlane();
    client = new KubeClient({ kubeConfig: plane.kubeConfig });
    temp = await makeTempDir('lease-lost-exit');
  });
  afterAll(async () => {
    await controller?.stop();
    await client.delete(leaseKind, 'default', leaseName).catch(() => undefined);
    client.close();
    await temp.remove();
  });

  it('exits with code 1 soon after another holder takes the Lease', async () => {
    const started = await startController('kustomize-controller', {
      kubeconfigPath: plane.kubeconfigPath,
      workDir: temp.path,
      extraArgs: [
        `--watch-label-selector=tide.test/lease-lost=${randomBytes(4).toString('hex')}`,
        '--enable-leader-election=true',
        '--leader-election-lease-duration=4s',
        '--leader-election-renew-deadline=2s',
        '--leader-election-retry-period=500ms',
      ],
    });
    controller = started;
    const lease = await waitFor(
      async () => {
        const found = await client
          .get<Lease>(leaseKind, 'default', leaseName)
          .catch(() => undefined);
        return found?.spec?.holderIdentity === undefined ? undefined : found;
      },
      { timeoutMs: 20_000, what: 'kustomize-controller to take the Lease' },
    );

    const stolenAt = Date.now();
    await client.replace(leaseKind, {
      ...lease,
      spec: { ...lease.spec, holderIdentity: 'another-replica', leaseDurationSeconds: 3600 },
    });
    await waitFor(() => Promise.resolve(started.process.running() ? undefined : true), {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: 'kustomize-controller to exit after losing the Lease',
    });
    expect(Date.now() - stolenAt).toBeLessThan(15_000);

    const lines = started.process
      .logTail(200)
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; exitCode?: number });
    expect(lines.some((line) => line.msg?.includes('lost the leader election Lease'))).toBe(true);
    expect(lines.at(-1)).toMatchObject({ msg: 'exiting', exitCode: 1 });
  });
});

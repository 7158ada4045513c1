import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { CoreV1Api } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../src/index.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a control plane of its own', () => {
  let controlPlane: ControlPlane;
  beforeAll(async () => {
    controlPlane = await startControlPlane();
  });
  afterAll(() => controlPlane.stop());

  it('keeps its data across an API server restart', async () => {
    const core = controlPlane.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'survivor' } } });
    const before = controlPlane.processes().map((p) => p.pid);
    await controlPlane.restartApiServer(500);
    const after = controlPlane.processes().map((p) => p.pid);
    expect(after[0]).toBe(before[0]); // etcd kept
    expect(after[1]).not.toBe(before[1]); // a new kube-apiserver
    const ns = await core.readNamespace({ name: 'survivor' });
    expect(ns.metadata?.name).toBe('survivor');
  });

  it('leaves no process and no temp dir behind after stop()', async () => {
    const pids = controlPlane.processes().map((p) => p.pid);
    expect(pids.every(alive)).toBe(true);
    await controlPlane.stop();
    expect(pids.some(alive)).toBe(false);
    expect(existsSync(controlPlane.dir)).toBe(false);
  });
});

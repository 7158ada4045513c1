import { describe, expect, it } from '@jest/globals';
import { sharedControlPlane } from '@tide/harness';
import { createLogger, Manager, Result, type Reconciler } from '../src/index.js';
import type { KindRef } from '@tide/kube';

const missingKind: KindRef = {
  group: 'missing.runtime.test.tide.dev',
  version: 'v1',
  kind: 'Nowhere',
  plural: 'nowheres',
  namespaced: true,
};

// A kind the API server does not serve (no CRD, or no RBAC) fails start() with the reason.
describe('cache sync', () => {
  it('fails start() after the timeout, naming the kind and the API error', async () => {
    const controlPlane = sharedControlPlane();
    const reconciler: Reconciler = {
      kind: missingKind,
      conditions: { owned: [] },
      reconcile: () => Promise.resolve(Result.Success),
    };
    const manager = new Manager({
      name: 'runtime-test-sync',
      kubeConfig: controlPlane.kubeConfig,
      logger: createLogger({ level: 'silent' }),
      cacheSyncTimeoutMs: 1_500,
      runtime: { metricsAddr: '127.0.0.1:0', healthAddr: '127.0.0.1:0' },
    }).register(reconciler);
    const started = Date.now();
    await expect(manager.start()).rejects.toThrow(
      /caches did not sync within 1500ms: Nowhere \(.*404/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    // It stopped itself: nothing keeps running (jest would report open handles otherwise).
    await expect(manager.done).resolves.toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  httpRequest,
  makeTempDir,
  sharedControlPlane,
  startProcess,
  waitFor,
  type ManagedProcess,
  type TempDir,
} from '@tide/harness';
import type { ReconcilableObject } from '@tide/runtime';
import { kustomization } from './fixtures.js';
import { KubeClient } from '@tide/kube';
import { KustomizationGVK } from '@tide/api';

// The compiled entry point, as `make dev` and the chart run it (`npm test` builds first).
const main = join(import.meta.dirname, '..', 'dist', 'src', 'main.js');

describe('tide-kustomize-controller process', () => {
  let temp: TempDir;
  let controller: ManagedProcess;
  let client: KubeClient;
  let namespace: string;
  let healthUrl: string;

  beforeAll(async () => {
    expect(existsSync(main)).toBe(true);
    const controlPlane = sharedControlPlane();
    namespace = await controlPlane.createNamespace('ks-main');
    temp = await makeTempDir('ks-main');
    const health = await freePort();
    healthUrl = `http://127.0.0.1:${health}`;
    client = new KubeClient({ kubeConfig: controlPlane.kubeConfig });
    controller = startProcess({
      name: 'kustomize-controller',
      command: process.execPath,
      args: [
        main,
        `--kubeconfig=${controlPlane.kubeconfigPath}`,
        '--metrics-addr=0',
        `--health-addr=127.0.0.1:${health}`,
        '--watch-all-namespaces=false',
        '--no-cross-namespace-refs',
        '--feature-gates=StrictPostBuildSubstitutions=true',
        '--default-service-account=default',
        '--artifact-fetch-retries=1',
      ],
      logFile: join(temp.path, 'controller.log'),
      env: { ...process.env, RUNTIME_NAMESPACE: namespace },
    });
  });
  afterAll(async () => {
    await controller.stop();
    client.close();
    await temp.remove();
  });

  it('becomes ready and reconciles Kustomizations in its namespace', async () => {
    await waitFor(
      async () => {
        if (!controller.running()) throw new Error(`exited:\n${controller.logTail(20)}`);
        const answer = await httpRequest(`${healthUrl}/readyz`, { timeoutMs: 1000 });
        return answer.status === 200 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'kustomize-controller ready' },
    );
    const cross = kustomization('cross', 'repo');
    cross.metadata.namespace = namespace;
    cross.spec.sourceRef = { kind: 'GitRepository', name: 'repo', namespace: 'other' };
    await client.create(KustomizationGVK, cross);
    const ready = await waitFor(
      async () => {
        const obj = await client.get<ReconcilableObject>(KustomizationGVK, namespace, 'cross');
        const condition = obj.status?.conditions?.find((c) => c.type === 'Ready');
        return condition?.reason === 'AccessDenied' ? condition : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'Ready=False AccessDenied' },
    );
    expect(ready.message).toBe(
      'cannot access GitRepository/other/repo: cross-namespace references have been disabled',
    );
  });
});

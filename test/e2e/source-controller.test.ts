import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  httpRequest,
  makeTempDir,
  oracles,
  run,
  startControlPlane,
  startController,
  startGitServer,
  waitFor,
  type ControlPlane,
  type ControllerProcess,
  type GitServer,
  type TempDir,
} from '@tide/harness';

/** source-controller as a process, driven only through kubectl and HTTP, as a user would. */
describe('source-controller process', () => {
  let controlPlane: ControlPlane;
  let controller: ControllerProcess;
  let git: GitServer;
  let temp: TempDir;
  let kubectl: string;
  const k = (...args: string[]) =>
    run(kubectl, ['--kubeconfig', controlPlane.kubeconfigPath, ...args]);

  beforeAll(async () => {
    controlPlane = await startControlPlane({ crds: true });
    temp = await makeTempDir('e2e-source');
    git = await startGitServer();
    kubectl = (await oracles()).kubectl;
    controller = await startController('source-controller', {
      kubeconfigPath: controlPlane.kubeconfigPath,
      workDir: temp.path,
    });
  });
  afterAll(async () => {
    await controller.stop();
    await git.stop();
    await controlPlane.stop();
    await temp.remove();
  });

  it('turns a GitRepository applied with kubectl into a downloadable artifact, then follows a push', async () => {
    const repo = await git.createRepository('podinfo', {
      files: { 'deploy/cm.yaml': 'kind: ConfigMap\n' },
    });
    await run(kubectl, ['--kubeconfig', controlPlane.kubeconfigPath, 'apply', '-f', '-'], {
      input: [
        'apiVersion: source.toolkit.fluxcd.io/v1',
        'kind: GitRepository',
        'metadata: {name: podinfo, namespace: default}',
        `spec: {url: "${repo.url}", interval: 1s, ref: {branch: main}}`,
        '',
      ].join('\n'),
    });
    const status = async () =>
      JSON.parse(
        (await k('get', 'gitrepository', 'podinfo', '-o', 'jsonpath={.status}')) || '{}',
      ) as {
        artifact?: { revision: string; url: string; digest: string };
        conditions?: { type: string; status: string }[];
      };
    const head = await repo.head();
    const artifact = await waitFor(
      async () => {
        const s = await status();
        return s.artifact?.revision === `main@sha1:${head}` ? s.artifact : undefined;
      },
      { timeoutMs: 30_000, what: 'the GitRepository artifact' },
    );
    const bytes = (await httpRequest(artifact.url)).body;
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(artifact.digest);
    expect(await k('get', 'gitrepository', 'podinfo')).toMatch(
      /podinfo\s+.*True\s+stored artifact for revision 'main@sha1:[a-f0-9]{40}'/,
    );

    const next = await repo.commit({ 'deploy/cm.yaml': 'kind: ConfigMap # 2\n' }, 'second');
    await waitFor(
      async () => ((await status()).artifact?.revision === `main@sha1:${next}` ? true : undefined),
      {
        timeoutMs: 30_000,
        what: 'the pushed revision',
      },
    );

    const metrics = (await httpRequest(controller.metricsUrl)).body.toString('utf8');
    expect(metrics).toMatch(
      /gotk_reconcile_duration_seconds_count\{[^}]*kind="GitRepository"[^}]*\} [1-9]/,
    );
  });

  it('exits cleanly on SIGTERM', async () => {
    await controller.stop();
    expect(controller.process.running()).toBe(false);
  });
});

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  gitEnv,
  makeTempDir,
  oracles,
  run,
  startControlPlane,
  startController,
  startGitServer,
  waitFor,
} from '@tide/harness';
import { formatMs, type Benchmark } from '../measure.js';

const fileCount = 10_000;
const totalBytes = 50 * 1024 * 1024;

/**
 * A GitRepository of 10,000 files / 50 MB: time from creation to Ready with the artifact
 * stored, against what a user would script instead (`git clone --depth 1` + `tar czf`),
 * on the same repository in the same run; and the controller's peak RSS.
 */
export const gitRepositoryArtifact: Benchmark = {
  name: 'gitrepository',
  description: `GitRepository (${fileCount} files, ${totalBytes / 1024 / 1024} MB) to Ready vs git clone --depth 1 + tar czf`,
  async run() {
    const temp = await makeTempDir('bench-gitrepository');
    const controlPlane = await startControlPlane({ crds: true });
    const git = await startGitServer();
    try {
      const files: Record<string, Buffer> = {};
      const size = Math.floor(totalBytes / fileCount);
      // Half random, half repeated text: a compressible but not trivial tree, like real source.
      for (let i = 0; i < fileCount; i++) {
        const dir = `apps/team-${String(i % 50).padStart(2, '0')}/svc-${String(i % 400).padStart(3, '0')}`;
        const random = randomBytes(size / 4).toString('hex');
        files[`${dir}/file-${i}.yaml`] = Buffer.from(
          `${random}\n${'kind: ConfigMap\n'.repeat(Math.floor(size / 2 / 16))}`,
        );
      }
      const repo = await git.createRepository('big', { files });

      const { kubectl } = await oracles();
      const controller = await startController('source-controller', {
        kubeconfigPath: controlPlane.kubeconfigPath,
        workDir: temp.path,
        logLevel: 'error',
        extraArgs: ['--git-repository-max-size=1073741824'],
      });
      let tideMs: number;
      let peakRssKb: number;
      try {
        const started = Date.now();
        await run(kubectl, ['--kubeconfig', controlPlane.kubeconfigPath, 'apply', '-f', '-'], {
          input: `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: big, namespace: default}\nspec: {url: "${repo.url}", interval: 1h, timeout: 10m, ref: {branch: main}}\n`,
        });
        await waitFor(
          async () => {
            const ready = await run(kubectl, [
              '--kubeconfig',
              controlPlane.kubeconfigPath,
              'get',
              'gitrepository',
              'big',
              '-o',
              'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
            ]);
            return ready === 'True' ? true : undefined;
          },
          { timeoutMs: 10 * 60_000, intervalMs: 100, what: 'GitRepository big to be Ready' },
        );
        tideMs = Date.now() - started;
        peakRssKb = await peakRss(controller.process.pid);
      } finally {
        await controller.stop();
      }

      const clone = join(temp.path, 'clone');
      const cloneStarted = Date.now();
      await run('git', ['clone', '--quiet', '--depth', '1', '--branch', 'main', repo.url, clone], {
        env: gitEnv(temp.path),
      });
      await run('tar', [
        'czf',
        join(temp.path, 'clone.tar.gz'),
        '--exclude=.git',
        '-C',
        clone,
        '.',
      ]);
      const gitMs = Date.now() - cloneStarted;

      return [
        `tide source-controller, creation to Ready: ${formatMs(tideMs)}`,
        `git clone --depth 1 + tar czf:            ${formatMs(gitMs)}`,
        `ratio (tide / git+tar):                   ${(tideMs / gitMs).toFixed(2)}`,
        `source-controller peak RSS:               ${(peakRssKb / 1024).toFixed(0)} MiB`,
      ];
    } finally {
      await git.stop();
      await controlPlane.stop();
      await temp.remove();
    }
  },
};

/** VmHWM of a process: the peak resident set size, in KiB. */
async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN);
}

import { readFile } from 'node:fs/promises';
import {
  makeTempDir,
  oracles,
  run,
  startControlPlane,
  startController,
  startGitServer,
  waitFor,
} from '@tide/harness';
import { formatMs, type Benchmark } from '../measure.js';

/** 1,000 as in Flux's figure; TIDE_BENCH_KUSTOMIZATIONS sets another count for a quick probe. */
const count = Number(process.env.TIDE_BENCH_KUSTOMIZATIONS ?? 1_000);
const objectsEach = 5;

/**
 * Flux's published scale figure, beside ours: 1,000 Kustomizations of 5 objects each from
 * one GitRepository, time from applying them to all Ready, and kustomize-controller's peak
 * RSS. Flux's figure is quoted, not measured here (its binaries are not available).
 */
export const kustomizationScale: Benchmark = {
  name: 'kustomizations',
  description: `${count} Kustomizations × ${objectsEach} objects from one GitRepository, to all Ready`,
  async run() {
    const temp = await makeTempDir('bench-kustomizations');
    const controlPlane = await startControlPlane({ crds: true });
    const git = await startGitServer();
    try {
      const files: Record<string, string> = {};
      for (let i = 0; i < count; i++) {
        const docs = Array.from(
          { length: objectsEach },
          (_, j) =>
            `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-${i}-${j}\n  namespace: default\ndata:\n  index: "${i}"\n`,
        );
        files[`apps/app-${i}/objects.yaml`] = docs.join('---\n');
      }
      const repo = await git.createRepository('fleet', { files });
      const { kubectl } = await oracles();
      const k = (args: string[], input?: string) =>
        run(
          kubectl,
          ['--kubeconfig', controlPlane.kubeconfigPath, ...args],
          input === undefined ? {} : { input },
        );
      const source = await startController('source-controller', {
        kubeconfigPath: controlPlane.kubeconfigPath,
        workDir: temp.path,
        logLevel: 'error',
      });
      const kustomize = await startController('kustomize-controller', {
        kubeconfigPath: controlPlane.kubeconfigPath,
        workDir: temp.path,
        logLevel: 'error',
      });
      try {
        await k(
          ['apply', '-f', '-'],
          `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: fleet, namespace: default}\nspec: {url: "${repo.url}", interval: 1h, ref: {branch: main}}\n`,
        );
        const kustomizations = Array.from(
          { length: count },
          (_, i) =>
            `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app-${i}, namespace: default}\nspec: {interval: 1h, path: ./apps/app-${i}, prune: true, sourceRef: {kind: GitRepository, name: fleet}}\n`,
        ).join('---\n');
        const started = Date.now();
        await k(['apply', '-f', '-'], kustomizations);
        await waitFor(
          async () => {
            const ready = await k([
              'get',
              'kustomizations',
              '-o',
              'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
            ]);
            return ready.split('\n').filter((s) => s === 'True').length === count
              ? true
              : undefined;
          },
          { timeoutMs: 30 * 60_000, intervalMs: 1000, what: `${count} Kustomizations to be Ready` },
        );
        const elapsed = Date.now() - started;
        const rss = await peakRssMiB(kustomize.process.pid);
        return [
          `tide, ${count} Kustomizations to Ready on this machine: ${formatMs(elapsed)}`,
          `kustomize-controller peak RSS:                 ${rss.toFixed(0)} MiB`,
          `Flux's published figure (16-core runner):       4m13s, 223 MiB`,
          count === 1_000
            ? `ratio (tide time / Flux's 253 s):               ${(elapsed / 253_000).toFixed(2)}`
            : `(a probe with ${count}; Flux's figure is for 1,000, no ratio)`,
        ];
      } finally {
        await kustomize.stop();
        await source.stop();
      }
    } finally {
      await git.stop();
      await controlPlane.stop();
      await temp.remove();
    }
  },
};

async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN) / 1024;
}

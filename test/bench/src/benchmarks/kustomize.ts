import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from '@tide/kustomize';
import { makeTempDir, oracles, repoRoot, run } from '@tide/harness';
import { formatMs, median, timeProcess, type Benchmark } from '../measure.js';

const perKind = 500;
const strategicPatches = 50;
const jsonPatches = 20;

/**
 * A generated overlay of 2,000 resources (500 Deployments, Services, ServiceAccounts and
 * ConfigMaps) with 50 strategic-merge and 20 JSON patches, image overrides, a generator and
 * a namespace/prefix/label pass: `tide kustomize build` against `kubectl kustomize` as whole
 * processes, alternating, median of 3 each; outputs must be identical.
 */
export const kustomizeBuild: Benchmark = {
  name: 'kustomize',
  description: 'tide kustomize build vs kubectl kustomize on a 2,000-resource overlay',
  async run() {
    const temp = await makeTempDir('bench-kustomize');
    try {
      const overlay = await writeOverlay(temp.path);
      const { kubectl } = await oracles();
      const tide = join(repoRoot(), 'node_modules', '.bin', 'tide');
      const ours = await run(tide, ['kustomize', 'build', overlay]);
      const theirs = await run(kubectl, ['kustomize', overlay]);
      if (ours !== theirs)
        throw new Error(
          'tide kustomize build and kubectl kustomize disagree on the benchmark overlay',
        );
      const tideMs: number[] = [];
      const kubectlMs: number[] = [];
      for (let i = 0; i < 3; i++) {
        tideMs.push(await timeProcess(tide, ['kustomize', 'build', overlay]));
        kubectlMs.push(await timeProcess(kubectl, ['kustomize', overlay]));
      }
      const started = process.hrtime.bigint();
      build(overlay);
      const inProcessMs = Number(process.hrtime.bigint() - started) / 1e6;
      const a = median(tideMs);
      const b = median(kubectlMs);
      return [
        `output: identical (${(ours.length / 1024 / 1024).toFixed(1)} MiB, ${ours.split('\n---\n').length} documents)`,
        `tide kustomize build: ${formatMs(a)} (runs: ${tideMs.map(formatMs).join(', ')})`,
        `kubectl kustomize:    ${formatMs(b)} (runs: ${kubectlMs.map(formatMs).join(', ')})`,
        `ratio (tide / kubectl): ${(a / b).toFixed(2)}`,
        `in-process build:     ${formatMs(inProcessMs)}`,
      ];
    } finally {
      await temp.remove();
    }
  },
};

async function writeOverlay(root: string): Promise<string> {
  const base = join(root, 'base');
  const overlay = join(root, 'overlay');
  await mkdir(base, { recursive: true });
  await mkdir(join(overlay, 'patches'), { recursive: true });
  const docs: string[] = [];
  for (let i = 0; i < perKind; i++) {
    const name = `app-${i}`;
    docs.push(
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        `metadata:\n  name: ${name}\n  labels:\n    app: ${name}`,
        `spec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: ${name}`,
        `  template:\n    metadata:\n      labels:\n        app: ${name}\n    spec:\n      serviceAccountName: ${name}`,
        `      containers:\n        - name: web\n          image: registry.example.com/team/web:1.0.${i % 7}`,
        `          ports:\n            - containerPort: 8080\n          envFrom:\n            - configMapRef:\n                name: ${name}-config`,
        `        - name: sidecar\n          image: registry.example.com/team/sidecar:2.1.0`,
      ].join('\n'),
      `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    app: ${name}\n  ports:\n    - port: 80\n      targetPort: 8080`,
      `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}-config\ndata:\n  LOG_LEVEL: info\n  INDEX: "${i}"`,
    );
  }
  await writeFile(join(base, 'resources.yaml'), `${docs.join('\n---\n')}\n`);
  await writeFile(join(base, 'kustomization.yaml'), 'resources:\n  - resources.yaml\n');
  const patches: string[] = [];
  for (let i = 0; i < strategicPatches; i++) {
    const file = `patches/smp-${i}.yaml`;
    await writeFile(
      join(overlay, file),
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i * 7}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: TIER\n              value: gold\n`,
    );
    patches.push(`  - path: ${file}`);
  }
  for (let i = 0; i < jsonPatches; i++) {
    patches.push(
      `  - target:\n      kind: Service\n      name: app-${i * 11}\n    patch: |-\n      - op: add\n        path: /metadata/annotations\n        value:\n          tier: gold`,
    );
  }
  await writeFile(
    join(overlay, 'kustomization.yaml'),
    [
      'resources:\n  - ../base',
      'namespace: bench',
      'namePrefix: prod-',
      'labels:\n  - pairs:\n      env: prod\n    includeSelectors: false',
      'images:\n  - name: registry.example.com/team/web\n    newTag: 2.0.0\n  - name: registry.example.com/team/sidecar\n    newName: mirror.example.com/sidecar',
      'configMapGenerator:\n  - name: shared\n    literals:\n      - REGION=eu\n      - ZONE=a',
      `patches:\n${patches.join('\n')}`,
      '',
    ].join('\n'),
  );
  return overlay;
}

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { makeTempDir, oracles, repoRoot, run, sharedControlPlane, type TempDir } from '@tide/harness';

/**
 * Every chart in charts/: the real helm lints and renders it (default values and the
 * documented variants), and the real API server accepts every rendered object in a
 * server-side dry run. A chart's crds/ must equal the generated CRDs of its kinds.
 */
const chartsDir = join(repoRoot(), 'charts');
const charts = readdirSync(chartsDir, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(chartsDir, e.name, 'Chart.yaml')))
  .map((e) => e.name);

/** Value sets each chart must render and apply with, beyond its defaults. */
const variants: Record<string, string[]> = {
  defaults: [],
  'no leader election, namespaced watch (and a PVC where the chart has storage)': [
    '--set', 'persistence.enabled=true',
    '--set', 'leaderElection.enabled=false',
    '--set', 'watchAllNamespaces=false',
    '--set', 'rbac.clusterAdmin=false',
  ],
  'two replicas (a PodDisruptionBudget) and the multi-tenancy lockdown where the chart has it': [
    '--set', 'replicas=2',
    '--set', 'multiTenancy.enabled=true',
  ],
  'existing service account, no RBAC': ['--set', 'rbac.create=false', '--set', 'serviceAccount.create=false', '--set', 'serviceAccount.name=default'],
};

describe.each(charts)('chart %s', (chart) => {
  const controlPlane = sharedControlPlane();
  let temp: TempDir;
  let tools: { helm: string; kubectl: string };
  const helm = (args: string[]) =>
    run(tools.helm, args, {
      env: {
        ...process.env,
        HELM_CACHE_HOME: join(temp.path, 'c'),
        HELM_CONFIG_HOME: join(temp.path, 'f'),
        HELM_DATA_HOME: join(temp.path, 'd'),
      },
    });

  beforeAll(async () => {
    temp = await makeTempDir(`chart-${chart}`);
    tools = await oracles();
  });
  afterAll(() => temp.remove());

  it('passes helm lint --strict', async () => {
    await helm(['lint', '--strict', join(chartsDir, chart)]);
  });

  it('ships the generated CRDs of its kinds, byte for byte', async () => {
    const crds = join(chartsDir, chart, 'crds');
    if (!existsSync(crds)) return;
    for (const file of readdirSync(crds)) {
      expect(await readFile(join(crds, file), 'utf8')).toBe(await readFile(join(repoRoot(), 'crds', file), 'utf8'));
    }
  });

  it.each(Object.entries(variants))('renders with %s and the API server accepts it (server-side dry run)', async (_name, args) => {
    const namespace = await controlPlane.createNamespace(`chart-${chart}`.slice(0, 40));
    const rendered = await helm(['template', 'tide', join(chartsDir, chart), '--namespace', namespace, '--include-crds', ...args]);
    const kinds = parseAllDocuments(rendered)
      .map((d) => d.toJS() as { kind?: string } | null)
      .filter((d): d is { kind: string } => typeof d?.kind === 'string')
      .map((d) => d.kind);
    expect(kinds).toEqual(expect.arrayContaining(['Deployment', 'CustomResourceDefinition']));
    const out = await run(
      tools.kubectl,
      ['--kubeconfig', controlPlane.kubeconfigPath, 'apply', '--server-side', '--dry-run=server', '--field-manager=tide-chart-test', '-f', '-'],
      { input: rendered },
    );
    expect(out).toMatch(/deployment\.apps\/\S+ (serverside-applied|created) \(server dry run\)/);
  });
});

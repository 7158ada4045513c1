import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConditionType, type HelmChart, type HelmRepository } from '@tide/api';
import {
  makeTempDir,
  oracles,
  run,
  startChartRepository,
  startGitServer,
  type ChartRepository,
  type GitServer,
  type TempDir,
} from '@tide/harness';
import type { ReconcilableObject } from '@tide/runtime';
import { gitRepositoryKind, helmChartKind, helmRepositoryKind, secretKind } from '../src/kinds.js';
import { startSourceEnvironment, type SourceEnvironment } from './environment.js';
import { PatchType } from '@tide/kube';

type Source = ReconcilableObject & {
  status?: { artifact?: { revision: string; url: string; digest?: string } };
};

const ready = (obj: Source) => obj.status?.conditions?.find((c) => c.type === ConditionType.Ready);

describe('HelmRepository and HelmChart', () => {
  let env: SourceEnvironment;
  let charts: ChartRepository;
  let git: GitServer;
  let temp: TempDir;

  beforeAll(async () => {
    env = await startSourceEnvironment('helm-sources');
    charts = await startChartRepository({
      charts: [
        { name: 'podinfo', version: '1.0.0' },
        { name: 'podinfo', version: '1.2.0' },
        { name: 'podinfo', version: '2.0.0' },
      ],
      basicAuth: { username: 'charts', password: 'pw' },
    });
    git = await startGitServer();
    temp = await makeTempDir('helm-sources');
    await env.client.create(secretKind, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'charts-auth', namespace: env.namespace },
      stringData: { username: 'charts', password: 'pw' },
    } as never);
  });
  afterAll(async () => {
    await env.stop();
    await charts.stop();
    await git.stop();
    await temp.remove();
  });

  const helmTemplate = async (url: string, ...args: string[]): Promise<string> => {
    const file = join(temp.path, `chart-${Date.now()}.tgz`);
    await writeFile(file, Buffer.from(await (await fetch(url)).arrayBuffer()));
    const { helm } = await oracles();
    return run(helm, ['template', 'demo', file, ...args], {
      env: {
        ...process.env,
        HELM_CACHE_HOME: join(temp.path, 'c'),
        HELM_CONFIG_HOME: join(temp.path, 'f'),
        HELM_DATA_HOME: join(temp.path, 'd'),
      },
    });
  };
  const whenReady = (
    kind: typeof helmChartKind,
    name: string,
    check: (o: Source) => boolean = () => true,
  ) =>
    env.waitFor<Source, Source>(
      kind,
      name,
      (o) =>
        ready(o)?.status === 'True' &&
        o.status?.observedGeneration === o.metadata.generation &&
        check(o)
          ? o
          : undefined,
      'Ready=True',
      30_000,
    );
  const helmRepository = (name: string, spec: Partial<HelmRepository['spec']>) =>
    env.apply(helmRepositoryKind, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmRepository',
      metadata: { name },
      spec: { url: charts.url, interval: '1h', ...spec },
    });
  const helmChart = (
    name: string,
    spec: Partial<HelmChart['spec']> & Pick<HelmChart['spec'], 'chart' | 'sourceRef'>,
  ) =>
    env.apply(helmChartKind, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmChart',
      metadata: { name },
      spec: { interval: '1h', ...spec },
    });

  it('stores the index of a repository that needs basic auth, revision sha256 of its bytes', async () => {
    await helmRepository('podinfo', { secretRef: { name: 'charts-auth' } });
    const repo = await whenReady(helmRepositoryKind, 'podinfo');
    const index = Buffer.from(
      await (
        await fetch(`${charts.url}/index.yaml`, {
          headers: { authorization: `Basic ${Buffer.from('charts:pw').toString('base64')}` },
        })
      ).arrayBuffer(),
    );
    const stored = Buffer.from(await (await fetch(repo.status?.artifact?.url ?? '')).arrayBuffer());
    expect(stored.equals(index)).toBe(true);
    expect(repo.status?.artifact?.revision).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(repo.status?.artifact?.url).toMatch(
      /\/helmrepository\/.+\/podinfo\/index-[a-f0-9]{64}\.yaml$/,
    );
  });

  it('reports missing credentials as AuthenticationFailed', async () => {
    await helmRepository('no-auth', {});
    const failed = await env.waitFor<Source, Source>(
      helmRepositoryKind,
      'no-auth',
      (o) => (ready(o)?.status === 'False' ? o : undefined),
      'Ready=False',
    );
    expect(ready(failed)?.reason).toBe('AuthenticationFailed');
    expect(ready(failed)?.message).toContain(
      `${charts.url}/index.yaml: authentication failed (HTTP 401)`,
    );
  });

  it('packages the highest chart version in range; helm template renders it', async () => {
    await helmChart('podinfo-1x', {
      chart: 'podinfo',
      version: '1.x',
      sourceRef: { kind: 'HelmRepository', name: 'podinfo' },
    });
    const chart = await whenReady(helmChartKind, 'podinfo-1x');
    expect(chart.status?.artifact?.revision).toBe('1.2.0');
    expect(chart.status).toMatchObject({ observedChartName: 'podinfo' });
    const out = await helmTemplate(chart.status?.artifact?.url ?? '', '--set', 'greeting=hi');
    expect(out).toContain('name: demo-podinfo');
    expect(out).toContain('greeting: "hi"');
    expect(out).toContain('chartVersion: "1.2.0"');
  });

  it('moves to a new chart version once the repository index has it', async () => {
    await charts.addChart({ name: 'podinfo', version: '1.3.0' });
    await env.client.patch(
      helmRepositoryKind,
      { namespace: env.namespace, name: 'podinfo' },
      {
        metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': new Date().toISOString() } },
      },
      { type: PatchType.Merge },
    );
    const chart = await whenReady(
      helmChartKind,
      'podinfo-1x',
      (o) => o.status?.artifact?.revision === '1.3.0',
    );
    expect(await helmTemplate(chart.status?.artifact?.url ?? '')).toContain(
      'chartVersion: "1.3.0"',
    );
  });

  it('reports a chart the index does not have as ChartPullFailed', async () => {
    await helmChart('missing', {
      chart: 'nope',
      sourceRef: { kind: 'HelmRepository', name: 'podinfo' },
    });
    const failed = await env.waitFor<Source, Source>(
      helmChartKind,
      'missing',
      (o) => (ready(o)?.status === 'False' ? o : undefined),
      'Ready=False',
    );
    expect(ready(failed)?.reason).toBe('ChartPullFailed');
    expect(ready(failed)?.message).toContain('chart "nope" is not in the repository index');
  });

  describe('from a GitRepository', () => {
    beforeAll(async () => {
      const repo = await git.createRepository('charts-in-git', {
        files: {
          'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.3.0\n',
          'charts/web/values.yaml': 'replicas: 1\ncolor: blue\n',
          'charts/web/templates/cm.yaml':
            'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-web\ndata:\n  replicas: {{ .Values.replicas | quote }}\n  color: {{ .Values.color | quote }}\n  version: {{ .Chart.Version | quote }}\n',
          'env/prod-values.yaml': 'replicas: 5\n',
          'charts/needs-deps/Chart.yaml':
            'apiVersion: v2\nname: needs-deps\nversion: 1.0.0\nmaintainers:\n  - name: someone\ndependencies:\n  - name: redis\n    version: 1.x\n    repository: https://charts.example.com\n',
        },
      });
      await env.apply(gitRepositoryKind, {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name: 'charts-in-git' },
        spec: { url: repo.url, interval: '1h', ref: { branch: 'main' } },
      });
    });

    it('packages the chart directory with valuesFiles merged in order', async () => {
      await helmChart('web', {
        chart: './charts/web',
        sourceRef: { kind: 'GitRepository', name: 'charts-in-git' },
        valuesFiles: ['charts/web/values.yaml', 'env/prod-values.yaml'],
      });
      const chart = await whenReady(helmChartKind, 'web');
      expect(chart.status?.artifact?.revision).toBe('0.3.0');
      const out = await helmTemplate(chart.status?.artifact?.url ?? '');
      expect(out).toContain('replicas: "5"');
      expect(out).toContain('color: "blue"');
    });

    it('appends the source revision with reconcileStrategy Revision', async () => {
      await helmChart('web-rev', {
        chart: 'charts/web',
        sourceRef: { kind: 'GitRepository', name: 'charts-in-git' },
        reconcileStrategy: 'Revision',
      });
      const chart = await whenReady(helmChartKind, 'web-rev');
      expect(chart.status?.artifact?.revision).toMatch(/^0\.3\.0\+[a-f0-9]{12}$/);
      expect(await helmTemplate(chart.status?.artifact?.url ?? '')).toContain(
        `version: "${chart.status?.artifact?.revision ?? ''}"`,
      );
    });

    it('says plainly that chart dependencies must be vendored', async () => {
      await helmChart('needs-deps', {
        chart: 'charts/needs-deps',
        sourceRef: { kind: 'GitRepository', name: 'charts-in-git' },
      });
      const failed = await env.waitFor<Source, Source>(
        helmChartKind,
        'needs-deps',
        (o) => (ready(o)?.status === 'False' ? o : undefined),
        'Ready=False',
      );
      expect(ready(failed)?.reason).toBe('ChartPackageFailed');
      expect(ready(failed)?.message).toContain('dependencies redis are not vendored in charts/');
    });

    it('fails on a missing values file unless told to ignore it', async () => {
      await helmChart('web-missing', {
        chart: 'charts/web',
        sourceRef: { kind: 'GitRepository', name: 'charts-in-git' },
        valuesFiles: ['nope.yaml'],
      });
      const failed = await env.waitFor<Source, Source>(
        helmChartKind,
        'web-missing',
        (o) => (ready(o)?.status === 'False' ? o : undefined),
        'Ready=False',
      );
      expect(ready(failed)?.reason).toBe('ChartPackageFailed');
      expect(ready(failed)?.message).toContain("values file 'nope.yaml' not found");
      await env.client.patch(
        helmChartKind,
        { namespace: env.namespace, name: 'web-missing' },
        { spec: { ignoreMissingValuesFiles: true } },
        { type: PatchType.Merge },
      );
      await whenReady(helmChartKind, 'web-missing');
    });
  });
});

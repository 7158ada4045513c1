import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HelmChart } from '@tide/api';
import { sha256Digest, writeTarball, type TarEntry } from '@tide/artifact';
import { chartFromFiles, loadChartArchive, packageChart, type LoadedChart } from '@tide/helm';
import { startChartRepository, type ChartRepository } from '@tide/harness';
import {
  reconcileArtifact,
  reconcileSource,
  type ChartBuild,
  type HelmChartState,
} from '../src/helmchart-steps.js';
import { gitRepositoryKind, helmChartKind, helmRepositoryKind } from '../src/kinds.js';
import {
  condition,
  conditionsOf,
  describeStorageStep,
  objectName,
  outcomeOf,
  startStepEnvironment,
  type StepEnvironment,
} from './steps.js';
import type { Artifact } from '@tide/kube';

type Spec = HelmChart['spec'];
type Status = HelmChart['status'];

interface SourceCase {
  readonly name: string;
  readonly spec: Partial<Spec> & Pick<Spec, 'chart' | 'sourceRef'>;
  readonly status?: () => Status;
  readonly want: string;
  readonly conditions: readonly string[];
  /** Part of the message of the condition set, or of the error thrown. */
  readonly message?: string;
  /** `<name>@<version>` of the chart to store, `upToDate`, or undefined when none. */
  readonly build: string | undefined;
  /** Lines the values.yaml of the chart to store holds. */
  readonly values?: readonly string[];
}

interface ArtifactCase {
  readonly name: string;
  readonly spec?: Partial<Spec>;
  readonly build: () => ChartBuild | undefined;
  readonly status?: () => Status;
  readonly broken: boolean;
  readonly want: string;
  readonly conditions: readonly string[];
  readonly stored: boolean;
  readonly events: readonly string[];
}

const gitRevision = 'main@sha1:abcdef0123456789abcdef0123456789abcdef01';

let env: StepEnvironment;
let charts: ChartRepository;
/** The HelmRepository's stored index. */
let index: Artifact;
/** The chart reconcileArtifact packages, and the digest of its package. */
let web: LoadedChart;
let webDigest: string;

function helmChart(
  name: string,
  spec: Partial<Spec> & Pick<Spec, 'chart' | 'sourceRef'>,
  status?: Status,
): HelmChart {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'HelmChart',
    metadata: { name, namespace: env.namespace, generation: 1 },
    spec: { interval: '1h', ...spec },
    ...(status === undefined ? {} : { status }),
  };
}

const state = (extra: Partial<HelmChartState> = {}): HelmChartState => ({
  kind: helmChartKind,
  storage: env.storage,
  maxChartSize: 1024 * 1024,
  requeueDependencyMs: 500,
  ...extra,
});

const fromRepository = { kind: 'HelmRepository', name: 'charts' } as const;
const fromGit = { kind: 'GitRepository', name: 'charts-git' } as const;

const gitFiles: Record<string, string> = {
  'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.3.0\n',
  'charts/web/values.yaml': 'replicas: 1\ncolor: blue\n',
  'charts/web/templates/cm.yaml': 'kind: ConfigMap\n',
  'env/prod-values.yaml': 'replicas: 5\n',
  'charts/needs-deps/Chart.yaml':
    'apiVersion: v2\nname: needs-deps\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: 1.x\n    repository: https://charts.example.com\n',
};

beforeAll(async () => {
  env = await startStepEnvironment('helmchart-steps', {
    caches: [helmRepositoryKind, gitRepositoryKind],
  });
  charts = await startChartRepository({
    charts: [
      { name: 'podinfo', version: '1.0.0' },
      { name: 'podinfo', version: '1.2.0' },
    ],
    basicAuth: { username: 'charts', password: 'pw' },
  });
  await env.secret('auth', { username: 'charts', password: 'pw' });
  const response = await fetch(`${charts.url}/index.yaml`, {
    headers: { authorization: `Basic ${Buffer.from('charts:pw').toString('base64')}` },
  });
  const indexBytes = Buffer.from(await response.arrayBuffer());
  const digest = sha256Digest(indexBytes);
  index = await env.storage.store(
    { kind: 'HelmRepository', namespace: env.namespace, name: 'charts' },
    `index-${digest.slice('sha256:'.length)}.yaml`,
    indexBytes,
    { revision: digest },
  );
  const repository = (name: string, secret: boolean) => ({
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'HelmRepository',
    metadata: { name },
    spec: { url: charts.url, interval: '1h', ...(secret ? { secretRef: { name: 'auth' } } : {}) },
  });
  await env.cached(helmRepositoryKind, repository('charts', true), { artifact: index });
  // Each source's artifact is its own: a status naming another object's file is refused.
  const noAuthIndex = await env.storage.store(
    { kind: 'HelmRepository', namespace: env.namespace, name: 'no-auth' },
    `index-${digest.slice('sha256:'.length)}.yaml`,
    indexBytes,
    { revision: digest },
  );
  await env.cached(helmRepositoryKind, repository('no-auth', false), { artifact: noAuthIndex });
  await env.cached(helmRepositoryKind, repository('no-artifact', true));
  await env.cached(helmRepositoryKind, repository('gone', true), {
    artifact: { ...index, path: `helmrepository/${env.namespace}/gone/index.yaml` },
  });
  await env.cached(helmRepositoryKind, repository('borrowed', true), { artifact: index });

  const entries: TarEntry[] = Object.entries(gitFiles).map(([path, content]) => ({
    path,
    type: 'file',
    content: Buffer.from(content),
  }));
  const tarball = await env.storage.storeStreamed(
    { kind: 'GitRepository', namespace: env.namespace, name: 'charts-git' },
    (d) => `${d.slice('sha256:'.length)}.tar.gz`,
    (sink) => writeTarball(entries, sink),
    { revision: gitRevision },
  );
  await env.cached(
    gitRepositoryKind,
    {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'charts-git' },
      spec: { url: 'http://git.test/charts.git', interval: '1h' },
    },
    { artifact: tarball },
  );

  web = chartFromFiles(
    new Map(
      Object.entries(gitFiles)
        .filter(([path]) => path.startsWith('charts/web/'))
        .map(([path, content]) => [path.slice('charts/web/'.length), Buffer.from(content)]),
    ),
    'charts-git/charts/web',
  );
  webDigest = sha256Digest(packageChart(web));
});

afterAll(async () => {
  await env.stop();
  await charts.stop();
});

/** An artifact in status; the steps read its revision and digest. */
const chartArtifact = (revision: string, digest = 'sha256:0'): Artifact => ({
  path: `helmchart/elsewhere/x/chart-${revision}.tgz`,
  url: `http://artifacts.test:9090/helmchart/elsewhere/x/chart-${revision}.tgz`,
  revision,
  digest,
  lastUpdateTime: '2026-01-01T00:00:00Z',
  size: 1,
});

describe('HelmChart steps', () => {
  describeStorageStep(helmChartKind, () => env);

  it.each<SourceCase>([
    {
      name: 'HelmRepository: the highest version in range; FetchFailed and BuildFailed go',
      spec: { chart: 'podinfo', version: '1.x', sourceRef: fromRepository },
      status: () => ({
        conditions: [
          condition('FetchFailed', 'True', 'ChartPullFailed'),
          condition('BuildFailed', 'True', 'ChartPackageFailed'),
        ],
      }),
      want: 'success',
      conditions: [],
      build: 'podinfo@1.2.0',
      values: ['greeting: hello'],
    },
    {
      name: 'HelmRepository: the stored chart has that version: nothing downloaded',
      spec: { chart: 'podinfo', sourceRef: { kind: 'HelmRepository', name: 'no-auth' } },
      status: () => ({ artifact: chartArtifact('1.2.0'), observedChartName: 'podinfo' }),
      want: 'success',
      conditions: [],
      build: 'upToDate',
    },
    {
      name: 'HelmRepository: a chart the index does not have',
      spec: { chart: 'nope', sourceRef: fromRepository },
      want: 'GenericError(ChartPullFailed)',
      conditions: ['FetchFailed=True:ChartPullFailed'],
      message: 'chart "nope" is not in the repository index',
      build: undefined,
    },
    {
      name: 'HelmRepository: no credentials to download the chart',
      spec: { chart: 'podinfo', sourceRef: { kind: 'HelmRepository', name: 'no-auth' } },
      want: 'GenericError(AuthenticationFailed)',
      conditions: ['FetchFailed=True:AuthenticationFailed'],
      message: 'failed to download chart podinfo 1.2.0',
      build: undefined,
    },
    {
      name: 'a source that does not exist: waits',
      spec: { chart: 'podinfo', sourceRef: { kind: 'HelmRepository', name: 'absent' } },
      want: 'WaitingError(SourceUnavailable)',
      conditions: [],
      build: undefined,
    },
    {
      name: 'a source without an artifact: waits',
      spec: { chart: 'podinfo', sourceRef: { kind: 'HelmRepository', name: 'no-artifact' } },
      want: 'WaitingError(SourceUnavailable)',
      conditions: [],
      build: undefined,
    },
    {
      name: 'a source whose artifact is not in storage: waits',
      spec: { chart: 'podinfo', sourceRef: { kind: 'HelmRepository', name: 'gone' } },
      want: 'WaitingError(SourceUnavailable)',
      conditions: [],
      build: undefined,
    },
    {
      name: "a source whose status names another object's artifact: refused, not read",
      spec: { chart: 'podinfo', sourceRef: { kind: 'HelmRepository', name: 'borrowed' } },
      want: 'GenericError(SourceUnavailable)',
      conditions: ['FetchFailed=True:SourceUnavailable'],
      message: 'status.artifact.path',
      build: undefined,
    },
    {
      name: 'a Bucket source stalls',
      spec: { chart: 'podinfo', sourceRef: { kind: 'Bucket', name: 'b' } },
      want: 'StallingError(InvalidSourceConfig)',
      conditions: ['FetchFailed=True:InvalidSourceConfig'],
      message: 'charts from a Bucket source are not supported yet',
      build: undefined,
    },
    {
      name: 'GitRepository: the chart directory with valuesFiles merged in order',
      spec: {
        chart: './charts/web',
        sourceRef: fromGit,
        valuesFiles: ['charts/web/values.yaml', 'env/prod-values.yaml'],
      },
      want: 'success',
      conditions: [],
      build: 'web@0.3.0',
      values: ['replicas: 5', 'color: blue'],
    },
    {
      name: 'GitRepository: reconcileStrategy Revision appends the source revision',
      spec: { chart: 'charts/web', sourceRef: fromGit, reconcileStrategy: 'Revision' },
      want: 'success',
      conditions: [],
      build: 'web@0.3.0+abcdef012345',
      values: ['replicas: 1'],
    },
    {
      name: 'GitRepository: same version, source revision and values: up to date',
      spec: { chart: 'charts/web', sourceRef: fromGit },
      status: () => ({
        artifact: chartArtifact('0.3.0'),
        observedChartName: 'web',
        observedSourceArtifactRevision: gitRevision,
      }),
      want: 'success',
      conditions: [],
      build: 'upToDate',
    },
    {
      name: 'GitRepository: the same version from another source revision is rebuilt',
      spec: { chart: 'charts/web', sourceRef: fromGit },
      status: () => ({
        artifact: chartArtifact('0.3.0'),
        observedChartName: 'web',
        observedSourceArtifactRevision: 'main@sha1:0000000000000000000000000000000000000000',
      }),
      want: 'success',
      conditions: [],
      build: 'web@0.3.0',
    },
    {
      name: 'GitRepository: a chart path that leaves the source stalls',
      spec: { chart: '../outside', sourceRef: fromGit },
      want: 'StallingError(InvalidSourceConfig)',
      conditions: ['FetchFailed=True:InvalidSourceConfig'],
      message: 'leaves the source',
      build: undefined,
    },
    {
      name: 'GitRepository: a chart path the artifact does not have',
      spec: { chart: 'charts/nope', sourceRef: fromGit },
      want: 'GenericError(ChartPackageFailed)',
      conditions: ['BuildFailed=True:ChartPackageFailed'],
      message: "path 'charts/nope' not found in GitRepository 'charts-git'",
      build: undefined,
    },
    {
      name: 'GitRepository: dependencies that are not vendored',
      spec: { chart: 'charts/needs-deps', sourceRef: fromGit },
      want: 'GenericError(ChartPackageFailed)',
      conditions: ['BuildFailed=True:ChartPackageFailed'],
      message: 'dependencies redis are not vendored in charts/',
      build: undefined,
    },
    {
      name: 'GitRepository: a values file that is missing',
      spec: { chart: 'charts/web', sourceRef: fromGit, valuesFiles: ['nope.yaml'] },
      want: 'GenericError(ChartPackageFailed)',
      conditions: ['BuildFailed=True:ChartPackageFailed'],
      message: "values file 'nope.yaml' not found",
      build: undefined,
    },
    {
      name: 'GitRepository: a missing values file with ignoreMissingValuesFiles',
      spec: {
        chart: 'charts/web',
        sourceRef: fromGit,
        valuesFiles: ['nope.yaml', 'env/prod-values.yaml'],
        ignoreMissingValuesFiles: true,
      },
      want: 'success',
      conditions: [],
      build: 'web@0.3.0',
      values: ['replicas: 5'],
    },
  ])('reconcileSource: $name', async (row) => {
    const obj = helmChart('source', row.spec, row.status?.());
    const { run } = env.run(obj, state());
    let thrown = '';
    const outcome = await outcomeOf(
      reconcileSource(run).catch((error: unknown) => {
        thrown = error instanceof Error ? error.message : String(error);
        throw error;
      }),
    );
    expect(outcome).toBe(row.want);
    expect(conditionsOf(obj)).toEqual(row.conditions);
    if (row.message !== undefined) expect(thrown).toContain(row.message);
    const build = run.state.build;
    expect(
      build === undefined
        ? undefined
        : build.upToDate
          ? 'upToDate'
          : `${build.chart.metadata.name}@${build.chart.metadata.version}`,
    ).toBe(row.build);
    if (build !== undefined && !build.upToDate) {
      expect(build.sourceRevision).toBe(
        row.spec.sourceRef.kind === 'GitRepository' ? gitRevision : index.revision,
      );
      const values = build.chart.files.get('values.yaml')?.toString('utf8') ?? '';
      for (const line of row.values ?? []) expect(values).toContain(line);
    }
  });

  it.each<ArtifactCase>([
    {
      name: 'nothing resolved: nothing to do',
      build: () => undefined,
      broken: true,
      want: 'empty',
      conditions: [],
      stored: false,
      events: [],
    },
    {
      name: 'the stored chart is current: it stands',
      build: () => ({ upToDate: true }),
      status: () => ({ artifact: chartArtifact('0.3.0'), observedChartName: 'web' }),
      broken: true,
      want: 'success',
      conditions: ['ArtifactInStorage=True:Succeeded'],
      stored: false,
      events: [],
    },
    {
      name: 'a new chart is packaged and stored; ChartPackageSucceeded is recorded',
      spec: { valuesFiles: ['charts/web/values.yaml'] },
      build: () => ({ upToDate: false, chart: web, sourceRevision: gitRevision }),
      status: () => ({
        conditions: [condition('ArtifactOutdated', 'True', 'NewRevision')],
      }),
      broken: false,
      want: 'success',
      conditions: ['ArtifactInStorage=True:Succeeded'],
      stored: true,
      events: ["ChartPackageSucceeded: packaged 'web' chart with version '0.3.0'"],
    },
    {
      name: 'the same package as the stored one: no event, observed values files cleared',
      build: () => ({ upToDate: false, chart: web, sourceRevision: gitRevision }),
      status: () => ({
        artifact: chartArtifact('0.3.0', webDigest),
        observedValuesFiles: ['old.yaml'],
      }),
      broken: false,
      want: 'success',
      conditions: ['ArtifactInStorage=True:Succeeded'],
      stored: true,
      events: [],
    },
    {
      name: 'storage that cannot be written: StorageOperationFailed',
      build: () => ({ upToDate: false, chart: web, sourceRevision: gitRevision }),
      broken: true,
      want: 'GenericError(ArchiveOperationFailed)',
      conditions: ['StorageOperationFailed=True:ArchiveOperationFailed'],
      stored: false,
      events: [],
    },
  ])('reconcileArtifact: $name', async (row) => {
    const obj = helmChart(
      objectName(row.name),
      { chart: 'charts/web', sourceRef: fromGit, ...row.spec },
      row.status?.(),
    );
    const build = row.build();
    const step = env.run(
      obj,
      state({
        ...(build === undefined ? {} : { build }),
        ...(row.broken ? { storage: env.brokenStorage } : {}),
      }),
    );
    expect(await outcomeOf(reconcileArtifact(step.run))).toBe(row.want);
    expect(conditionsOf(obj)).toEqual(row.conditions);
    expect(step.events.map((e) => `${e.reason}: ${e.message}`)).toEqual(row.events);
    if (row.want === 'success') {
      expect(obj.status?.conditions?.find((c) => c.type === 'ArtifactInStorage')?.message).toBe(
        "packaged 'web' chart with version '0.3.0'",
      );
    }
    if (!row.stored) return;
    const status = obj.status;
    expect(status?.artifact?.revision).toBe('0.3.0');
    expect(status?.artifact?.digest).toBe(webDigest);
    expect(status?.artifact?.path).toBe(
      `helmchart/${env.namespace}/${obj.metadata.name ?? ''}/web-0.3.0.tgz`,
    );
    const stored = await readFile(join(env.storage.basePath, status?.artifact?.path ?? 'missing'));
    expect((await loadChartArchive(stored, 'stored')).metadata.version).toBe('0.3.0');
    expect(status?.observedChartName).toBe('web');
    expect(status?.observedSourceArtifactRevision).toBe(gitRevision);
    expect(status?.observedValuesFiles).toEqual(obj.spec.valuesFiles);
  });
});

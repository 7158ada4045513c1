import { posix } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  ConditionReason,
  ConditionType,
  type GitRepository,
  type HelmChart,
  type HelmRepository,
} from '@tide/api';
import {
  ArtifactNotStoredError,
  UntrustedArtifactError,
  readTarball,
  redactUrl,
  sha256Digest,
} from '@tide/artifact';
import {
  HelmError,
  chartDownloadUrl,
  chartFromFiles,
  loadChartArchive,
  mergeValuesFiles,
  packageChart,
  parseRepositoryIndex,
  selectChartVersion,
  setChartVersion,
  type LoadedChart,
} from '@tide/helm';
import {
  EventType,
  GenericError,
  Result,
  StallingError,
  WaitingError,
  deleteCondition,
  markTrue,
  type Informer,
  type ReconcileResult,
  type Run,
} from '@tide/runtime';
import { downloadWith, httpAuth, type HttpAuth } from './http-source.js';
import { gitRepositoryKind, helmRepositoryKind } from './kinds.js';
import {
  artifactOwner,
  sourceName,
  storeArtifact,
  untrustedArtifactMessage,
  type SourceState,
} from './storage-step.js';
import { parseDuration, type Artifact, type KindRef, type KubeObject } from '@tide/kube';

/** A HelmRepository's `spec.timeout` bounds its index fetch and its chart downloads alike. */
const defaultRepositoryTimeoutMs = 60_000;

/**
 * What reconcileSource found: the chart to store and the source artifact revision it came
 * from, or that the stored chart is current (same version, source revision and values).
 */
export type ChartBuild =
  | { readonly upToDate: true }
  | { readonly upToDate: false; readonly chart: LoadedChart; readonly sourceRevision: string };

/** What the HelmChart steps hand each other during one reconcile. */
export interface HelmChartState extends SourceState {
  /** Refuse charts larger than this (`--helm-chart-max-size`). */
  readonly maxChartSize: number;
  /** How soon to look again at a source that has no artifact yet. */
  readonly requeueDependencyMs: number;
  /** Set by reconcileSource. */
  build?: ChartBuild;
}

export type HelmChartRun = Run<HelmChart, HelmChartState>;

/** Ready's message, and ArtifactInStorage's, once the chart is stored. */
export function packagedMessage(obj: HelmChart): string {
  return `packaged '${obj.status?.observedChartName ?? obj.spec.chart}' chart with version '${obj.status?.artifact?.revision ?? ''}'`;
}

/**
 * Resolves the chart from `spec.sourceRef`: picks the version from a HelmRepository's
 * stored index (Masterminds constraint) and downloads it, or loads the chart directory of
 * a GitRepository artifact; merges `valuesFiles` into values.yaml. Nothing is downloaded
 * while version, source revision and values files are those of the stored chart. A source
 * without an artifact waits (SourceUnavailable); a failed pull sets FetchFailed
 * (ChartPullFailed, AuthenticationFailed), a chart that cannot be built sets BuildFailed
 * (ChartPackageFailed); a resolved chart removes both.
 */
export async function reconcileSource(run: HelmChartRun): Promise<ReconcileResult> {
  const { obj, state } = run;
  const built = await resolveChart(run).catch((error: unknown) => {
    throw failed(run, error);
  });
  if (built === undefined) {
    state.build = { upToDate: true };
    return Result.Success;
  }
  deleteCondition(obj, ConditionType.FetchFailed);
  deleteCondition(obj, ConditionType.BuildFailed);
  state.build = { upToDate: false, ...built };
  return Result.Success;
}

/**
 * Packages the resolved chart and stores it as `<name>-<version>.tgz` with the chart
 * version as revision, recording the observed chart name, source revision and values files;
 * a current chart keeps its artifact. Sets ArtifactInStorage, and records a
 * ChartPackageSucceeded event when the digest changed. A storage failure sets
 * StorageOperationFailed.
 */
export async function reconcileArtifact({
  obj,
  context,
  state,
}: HelmChartRun): Promise<ReconcileResult> {
  const build = state.build;
  if (build === undefined) return Result.Empty;
  if (build.upToDate) {
    markTrue(obj, ConditionType.ArtifactInStorage, ConditionReason.Succeeded, packagedMessage(obj));
    return Result.Success;
  }
  const { chart, sourceRevision } = build;
  const tgz = packageChart(chart);
  const previous = obj.status?.artifact;
  await storeArtifact(
    obj,
    artifactOwner(state.kind, obj),
    state.storage,
    `${chart.metadata.name}-${chart.metadata.version}.tgz`,
    tgz,
    { revision: chart.metadata.version },
  );
  const status = (obj.status ??= {});
  status.observedChartName = chart.metadata.name;
  status.observedSourceArtifactRevision = sourceRevision;
  if (obj.spec.valuesFiles === undefined) delete status.observedValuesFiles;
  else status.observedValuesFiles = obj.spec.valuesFiles;
  markTrue(obj, ConditionType.ArtifactInStorage, ConditionReason.Succeeded, packagedMessage(obj));
  if (previous?.digest !== status.artifact?.digest) {
    await context.event({
      type: EventType.Normal,
      reason: ConditionReason.ChartPackageSucceeded,
      message: `packaged '${chart.metadata.name}' chart with version '${chart.metadata.version}'`,
      annotations: { 'source.toolkit.fluxcd.io/revision': chart.metadata.version },
    });
  }
  return Result.Success;
}

/** What a resolved chart came from: the chart and the source artifact's revision. */
interface ResolvedChart {
  readonly chart: LoadedChart;
  /** The source artifact's revision (index digest, or Git revision). */
  readonly sourceRevision: string;
}

/** The chart to store, or undefined when the stored one is still current. */
async function resolveChart(run: HelmChartRun): Promise<ResolvedChart | undefined> {
  const { obj, context, state } = run;
  const { kind, name } = obj.spec.sourceRef;
  const namespace = obj.metadata.namespace ?? '';
  // The referenced source from the informer cache, once it has an artifact.
  const where = [kind, namespace, name, state.requeueDependencyMs] as const;
  if (kind === 'HelmRepository') {
    const cache = context.cache<HelmRepository>(helmRepositoryKind);
    return fromRepository(run, sourceWithArtifact(cache, ...where));
  }
  if (kind === 'GitRepository') {
    const cache = context.cache<GitRepository>(gitRepositoryKind);
    return fromGit(run, sourceWithArtifact(cache, ...where));
  }
  throw new StallingError(
    ConditionReason.InvalidSourceConfig,
    `${sourceName(state.kind, obj)}: charts from a ${kind} source are not supported yet`,
  );
}

async function fromRepository(
  run: HelmChartRun,
  repository: HelmRepository & { status: { artifact: Artifact } },
): Promise<ResolvedChart | undefined> {
  const { obj, context, state } = run;
  const artifact = repository.status.artifact;
  const indexText = (await readStored(run, repository, helmRepositoryKind)).toString('utf8');
  const entry = selectChartVersion(
    parseRepositoryIndex(indexText, redactUrl(repository.spec.url)),
    obj.spec.chart,
    obj.spec.version ?? '*',
  );
  if (isCurrent(obj, entry.version, undefined)) return undefined;
  const url = chartDownloadUrl(repository.spec.url, entry);
  const auth = await httpAuth(
    context.client,
    repository.metadata.namespace ?? '',
    repository.spec,
    `HelmRepository ${repository.metadata.name ?? ''}`,
  );
  const bytes = await downloadWith(
    url,
    sameHostOrPassCredentials(repository, url, auth),
    {
      maxSize: state.maxChartSize,
      timeoutMs:
        repository.spec.timeout === undefined
          ? defaultRepositoryTimeoutMs
          : parseDuration(repository.spec.timeout),
    },
    ConditionReason.ChartPullFailed,
    `failed to download chart ${entry.name} ${entry.version}`,
  );
  if (
    entry.digest !== undefined &&
    /^[a-f0-9]{64}$/.test(entry.digest) &&
    sha256Digest(bytes) !== `sha256:${entry.digest}`
  ) {
    throw new GenericError(
      ConditionReason.ChartPullFailed,
      `chart ${redactUrl(url)}: digest mismatch: the index says sha256:${entry.digest}, got ${sha256Digest(bytes)}`,
    );
  }
  const chart = await loadChartArchive(bytes, redactUrl(url));
  const values = valuesFromFiles(run, (path) => chart.files.get(path)?.toString('utf8'));
  return {
    chart: values === undefined ? chart : withValues(chart, values),
    sourceRevision: artifact.revision,
  };
}

async function fromGit(
  run: HelmChartRun,
  repository: GitRepository & { status: { artifact: Artifact } },
): Promise<ResolvedChart | undefined> {
  const { obj, state } = run;
  const artifact = repository.status.artifact;
  const chartPath = posix.normalize(obj.spec.chart.replace(/^\.?\/+/, '')).replace(/\/+$/, '');
  if (chartPath.startsWith('..')) {
    throw new StallingError(
      ConditionReason.InvalidSourceConfig,
      `${sourceName(state.kind, obj)}: spec.chart ${JSON.stringify(obj.spec.chart)} leaves the source`,
    );
  }
  const sourceFiles = new Map<string, Buffer>();
  for (const entry of await readTarball(await readStored(run, repository, gitRepositoryKind))) {
    if (entry.type === 'file') sourceFiles.set(entry.path, Buffer.from(entry.content));
  }
  const prefix = chartPath === '.' ? '' : `${chartPath}/`;
  const chartFiles = new Map<string, Buffer>();
  for (const [path, content] of sourceFiles)
    if (path.startsWith(prefix)) chartFiles.set(path.slice(prefix.length), content);
  if (chartFiles.size === 0) {
    throw new GenericError(
      ConditionReason.ChartPackageFailed,
      `${sourceName(state.kind, obj)}: path '${obj.spec.chart}' not found in GitRepository '${repository.metadata.name ?? ''}' at revision '${artifact.revision}'`,
    );
  }
  let chart = chartFromFiles(chartFiles, `${repository.metadata.name ?? ''}/${chartPath}`);
  checkDependencies(run, chart);
  if (obj.spec.reconcileStrategy === 'Revision') {
    chart = setChartVersion(chart, `${chart.metadata.version}+${shortRevision(artifact.revision)}`);
  }
  if (isCurrent(obj, chart.metadata.version, artifact.revision)) return undefined;
  // Values files of a Git source are relative to the source root, as Flux resolves them.
  const values = valuesFromFiles(run, (path) => sourceFiles.get(path)?.toString('utf8'));
  return {
    chart: values === undefined ? chart : withValues(chart, values),
    sourceRevision: artifact.revision,
  };
}

function isCurrent(obj: HelmChart, version: string, sourceRevision: string | undefined): boolean {
  const status = obj.status;
  return (
    status?.artifact?.revision === version &&
    status.observedChartName !== undefined &&
    (sourceRevision === undefined || status.observedSourceArtifactRevision === sourceRevision) &&
    isDeepStrictEqual(status.observedValuesFiles ?? [], obj.spec.valuesFiles ?? [])
  );
}

/** Marks FetchFailed or BuildFailed for a failure, as a typed error with context. */
function failed({ obj, state }: HelmChartRun, error: unknown): unknown {
  if (error instanceof HelmError) {
    const reason =
      error.reason === 'ChartNotFound' || error.reason === 'InvalidIndex'
        ? ConditionReason.ChartPullFailed
        : ConditionReason.ChartPackageFailed;
    const failure = new GenericError(reason, `${sourceName(state.kind, obj)}: ${error.message}`, {
      cause: error,
    });
    markTrue(
      obj,
      reason === ConditionReason.ChartPullFailed
        ? ConditionType.FetchFailed
        : ConditionType.BuildFailed,
      reason,
      failure.message,
    );
    return failure;
  }
  if (error instanceof GenericError || error instanceof StallingError) {
    const type =
      error.reason === ConditionReason.ChartPackageFailed
        ? ConditionType.BuildFailed
        : ConditionType.FetchFailed;
    markTrue(obj, type, error.reason, error.message);
  }
  return error;
}

/** The source from the read cache, if it has an artifact; otherwise wait for it. */
function sourceWithArtifact<T extends KubeObject & { status?: { artifact?: Artifact } }>(
  cache: Informer<T>,
  kind: string,
  namespace: string,
  name: string,
  retryMs: number,
): T & { status: { artifact: Artifact } } {
  const source = cache.get(namespace, name);
  const artifact = source?.status?.artifact;
  if (source === undefined || artifact === undefined) {
    const why = source === undefined ? 'not found' : 'has no artifact yet';
    throw new WaitingError(
      ConditionReason.SourceUnavailable,
      `${kind} '${namespace}/${name}' ${why}`,
      retryMs,
    );
  }
  return source as T & { status: { artifact: Artifact } };
}

/**
 * The source's artifact from storage, only when the source's status names its own file
 * with a digest that matches: a status pointing at another object's artifact (a private
 * chart of another tenant) or out of storage is refused with a message naming the field.
 */
async function readStored(
  { obj, state }: HelmChartRun,
  source: KubeObject & { status: { artifact: Artifact } },
  kind: KindRef,
): Promise<Buffer> {
  const artifact = source.status.artifact;
  const owner = artifactOwner(kind, source);
  try {
    return await state.storage.readOwned(owner, artifact);
  } catch (error) {
    if (error instanceof ArtifactNotStoredError) {
      throw new WaitingError(
        ConditionReason.SourceUnavailable,
        `source artifact ${artifact.path} is not in storage yet`,
        2_000,
        { cause: error },
      );
    }
    if (error instanceof UntrustedArtifactError) {
      throw new GenericError(
        ConditionReason.SourceUnavailable,
        untrustedArtifactMessage(sourceName(state.kind, obj), owner, error),
        { cause: error },
      );
    }
    throw error;
  }
}

/** Credentials go to the index host, and to other hosts only with `passCredentials`. */
function sameHostOrPassCredentials(
  repository: HelmRepository,
  url: string,
  auth: HttpAuth,
): HttpAuth {
  if (
    repository.spec.passCredentials === true ||
    new URL(url).host === new URL(repository.spec.url).host
  )
    return auth;
  // Only the username/password stay with the index host; TLS material goes with every
  // download from the repository, as Flux's getter options carry it.
  return {
    headers: {},
    ...(auth.caPem === undefined ? {} : { caPem: auth.caPem }),
    ...(auth.clientCertificate === undefined ? {} : { clientCertificate: auth.clientCertificate }),
  };
}

/** The merged values of `spec.valuesFiles`, or undefined when the spec names none. */
function valuesFromFiles(
  { obj, state }: HelmChartRun,
  read: (path: string) => string | undefined,
): string | undefined {
  const paths =
    obj.spec.valuesFiles ?? (obj.spec.valuesFile === undefined ? [] : [obj.spec.valuesFile]);
  if (paths.length === 0) return undefined;
  const files: { path: string; text: string }[] = [];
  for (const path of paths) {
    const text = read(path.replace(/^\.?\/+/, ''));
    if (text === undefined) {
      if (obj.spec.ignoreMissingValuesFiles === true) continue;
      throw new GenericError(
        ConditionReason.ChartPackageFailed,
        `${sourceName(state.kind, obj)}: values file '${path}' not found (set ignoreMissingValuesFiles to skip missing files)`,
      );
    }
    files.push({ path, text });
  }
  return mergeValuesFiles(files);
}

function withValues(chart: LoadedChart, values: string): LoadedChart {
  const files = new Map(chart.files);
  files.set('values.yaml', Buffer.from(values));
  return { ...chart, files };
}

/** Dependencies must be vendored in charts/ (as a directory or a .tgz): Tide does not fetch them yet. */
function checkDependencies({ obj, state }: HelmChartRun, chart: LoadedChart): void {
  const paths = [...chart.files.keys()];
  const vendored = (name: string) =>
    paths.some(
      (p) =>
        p.startsWith(`charts/${name}/`) ||
        new RegExp(`^charts/${escapeRegExp(name)}-[^/]+\\.tgz$`).test(p),
    );
  const missing = (chart.metadata.dependencies ?? [])
    .map((d) => d.name)
    .filter((name) => !vendored(name));
  if (missing.length > 0) {
    throw new GenericError(
      ConditionReason.ChartPackageFailed,
      `${sourceName(state.kind, obj)}: dependencies ${missing.join(', ')} are not vendored in charts/; Tide does not download chart dependencies yet (run 'helm dependency build' and commit charts/)`,
    );
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The first 12 hex digits of a source revision's digest (`main@sha1:<hex>` → `<hex[0:12]>`). */
function shortRevision(revision: string): string {
  const hex =
    /(?:sha1|sha256):([a-f0-9]+)$/.exec(revision)?.[1] ?? revision.replace(/[^a-zA-Z0-9]/g, '');
  return hex.slice(0, 12);
}

import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  ConditionReason,
  ConditionType,
  type GitRepository,
  type HelmChart,
  type HelmRepository,
} from '@tide/api';
import { readTarball, sha256Digest, type Storage } from '@tide/artifact';
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
  GenericError,
  Result,
  StallingError,
  WaitingError,
  deleteCondition,
  markTrue,
  runSubReconcilers,
  type ConditionPolicy,
  type Informer,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  type Watch,
} from '@tide/runtime';
import { downloadWith, httpAuth, type HttpAuth } from './http-source.js';
import { gitRepositoryKind, helmChartKind, helmRepositoryKind } from './kinds.js';
import {
  artifactOwner,
  reconcileStorage,
  removeArtifacts,
  sourceName,
  storeArtifact,
} from './storage-step.js';
import type { Artifact, KubeObject } from '@tide/kube';

export interface HelmChartReconcilerOptions {
  readonly storage: Storage;
  /** Refuse charts larger than this (`--helm-chart-max-size`). */
  readonly maxChartSize: number;
  /** How soon to look again at a source that has no artifact yet. */
  readonly requeueDependencyMs: number;
}

const chartDownloadTimeoutMs = 60_000;

/** What a built chart came from: the source artifact and the chart it yielded. */
interface BuiltChart {
  readonly chart: LoadedChart;
  /** The source artifact's revision (index digest, or Git revision). */
  readonly sourceRevision: string;
}

/**
 * HelmChart: picks the chart version from a HelmRepository's stored index (Masterminds
 * constraint) and downloads it, or packages the chart directory of a GitRepository
 * artifact; merges `valuesFiles` into values.yaml; stores `<name>-<version>.tgz` with the
 * chart version as revision. Nothing is downloaded or stored again while the version,
 * the source revision and the values files stay the same.
 */
export class HelmChartReconciler implements Reconciler<HelmChart> {
  readonly kind = helmChartKind;
  readonly conditions: ConditionPolicy = {
    owned: [
      ConditionType.StorageOperationFailed,
      ConditionType.FetchFailed,
      ConditionType.BuildFailed,
      ConditionType.ArtifactOutdated,
      ConditionType.ArtifactInStorage,
    ],
    negativePolarity: [
      ConditionType.StorageOperationFailed,
      ConditionType.FetchFailed,
      ConditionType.BuildFailed,
      ConditionType.ArtifactOutdated,
    ],
  };
  /** A source's new artifact rebuilds the charts that use it. */
  readonly watches: readonly Watch[] = [helmRepositoryKind, gitRepositoryKind].map((kind) => ({
    kind,
    map: (changed, context) =>
      context
        .cache<HelmChart>(helmChartKind)
        .list(changed.metadata.namespace)
        .filter(
          (chart) =>
            chart.spec.sourceRef.kind === kind.kind &&
            chart.spec.sourceRef.name === changed.metadata.name,
        )
        .map((chart) => `${chart.metadata.namespace ?? ''}/${chart.metadata.name ?? ''}`),
  }));

  constructor(private readonly options: HelmChartReconcilerOptions) {}

  successMessage(obj: HelmChart): string {
    return `packaged '${obj.status?.observedChartName ?? obj.spec.chart}' chart with version '${obj.status?.artifact?.revision ?? ''}'`;
  }

  reconcile(obj: HelmChart, context: ReconcileContext): Promise<ReconcileResult> {
    return runSubReconcilers(obj, [
      reconcileStorage('HelmChart', obj, this.options.storage),
      () => this.reconcileChart(obj, context),
    ]);
  }

  finalize(obj: HelmChart): Promise<ReconcileResult> {
    return removeArtifacts('HelmChart', obj, this.options.storage);
  }

  private async reconcileChart(
    obj: HelmChart,
    context: ReconcileContext,
  ): Promise<ReconcileResult> {
    const built = await this.build(obj, context).catch((error: unknown) => {
      throw this.failed(obj, error);
    });
    if (built === undefined) {
      // Same version from the same source with the same values: the stored chart stands.
      markTrue(
        obj,
        ConditionType.ArtifactInStorage,
        ConditionReason.Succeeded,
        this.successMessage(obj),
      );
      return Result.Success;
    }
    deleteCondition(obj, ConditionType.FetchFailed);
    deleteCondition(obj, ConditionType.BuildFailed);
    const { chart, sourceRevision } = built;
    const tgz = packageChart(chart);
    const previous = obj.status?.artifact;
    await storeArtifact(
      obj,
      artifactOwner('HelmChart', obj),
      this.options.storage,
      `${chart.metadata.name}-${chart.metadata.version}.tgz`,
      tgz,
      {
        revision: chart.metadata.version,
      },
    );
    const status = (obj.status ??= {});
    status.observedChartName = chart.metadata.name;
    status.observedSourceArtifactRevision = sourceRevision;
    if (obj.spec.valuesFiles === undefined) delete status.observedValuesFiles;
    else status.observedValuesFiles = obj.spec.valuesFiles;
    markTrue(
      obj,
      ConditionType.ArtifactInStorage,
      ConditionReason.Succeeded,
      this.successMessage(obj),
    );
    if (previous?.digest !== status.artifact?.digest) {
      await context.event({
        type: 'Normal',
        reason: ConditionReason.ChartPackageSucceeded,
        message: `packaged '${chart.metadata.name}' chart with version '${chart.metadata.version}'`,
        annotations: { 'source.toolkit.fluxcd.io/revision': chart.metadata.version },
      });
    }
    return Result.Success;
  }

  /** The chart to store, or undefined when the stored one is still current. */
  private async build(obj: HelmChart, context: ReconcileContext): Promise<BuiltChart | undefined> {
    const { kind, name } = obj.spec.sourceRef;
    const namespace = obj.metadata.namespace ?? '';
    if (kind === 'HelmRepository') {
      const repository = sourceWithArtifact(
        context.cache<HelmRepository>(helmRepositoryKind),
        kind,
        namespace,
        name,
        this.options.requeueDependencyMs,
      );
      return this.buildFromRepository(obj, context, repository);
    }
    if (kind === 'GitRepository') {
      const repository = sourceWithArtifact(
        context.cache<GitRepository>(gitRepositoryKind),
        kind,
        namespace,
        name,
        this.options.requeueDependencyMs,
      );
      return this.buildFromGit(obj, repository);
    }
    throw new StallingError(
      ConditionReason.InvalidSourceConfig,
      `${sourceName('HelmChart', obj)}: charts from a ${kind} source are not supported yet`,
    );
  }

  private async buildFromRepository(
    obj: HelmChart,
    context: ReconcileContext,
    repository: HelmRepository & { status: { artifact: Artifact } },
  ): Promise<BuiltChart | undefined> {
    const artifact = repository.status.artifact;
    const indexText = (await readStored(this.options.storage, artifact)).toString('utf8');
    const entry = selectChartVersion(
      parseRepositoryIndex(indexText, repository.spec.url),
      obj.spec.chart,
      obj.spec.version ?? '*',
    );
    if (this.isCurrent(obj, entry.version, undefined)) return undefined;
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
      { maxSize: this.options.maxChartSize, timeoutMs: chartDownloadTimeoutMs },
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
        `chart ${url}: digest mismatch: the index says sha256:${entry.digest}, got ${sha256Digest(bytes)}`,
      );
    }
    const chart = await loadChartArchive(bytes, url);
    const values = valuesFromFiles(obj, (path) => chart.files.get(path)?.toString('utf8'));
    return {
      chart: values === undefined ? chart : withValues(chart, values),
      sourceRevision: artifact.revision,
    };
  }

  private async buildFromGit(
    obj: HelmChart,
    repository: GitRepository & { status: { artifact: Artifact } },
  ): Promise<BuiltChart | undefined> {
    const artifact = repository.status.artifact;
    const chartPath = posix.normalize(obj.spec.chart.replace(/^\.?\/+/, '')).replace(/\/+$/, '');
    if (chartPath.startsWith('..')) {
      throw new StallingError(
        ConditionReason.InvalidSourceConfig,
        `${sourceName('HelmChart', obj)}: spec.chart ${JSON.stringify(obj.spec.chart)} leaves the source`,
      );
    }
    const sourceFiles = new Map<string, Buffer>();
    for (const entry of await readTarball(await readStored(this.options.storage, artifact))) {
      if (entry.type === 'file') sourceFiles.set(entry.path, Buffer.from(entry.content));
    }
    const prefix = chartPath === '.' ? '' : `${chartPath}/`;
    const chartFiles = new Map<string, Buffer>();
    for (const [path, content] of sourceFiles)
      if (path.startsWith(prefix)) chartFiles.set(path.slice(prefix.length), content);
    if (chartFiles.size === 0) {
      throw new GenericError(
        ConditionReason.ChartPackageFailed,
        `${sourceName('HelmChart', obj)}: path '${obj.spec.chart}' not found in GitRepository '${repository.metadata.name ?? ''}' at revision '${artifact.revision}'`,
      );
    }
    let chart = chartFromFiles(chartFiles, `${repository.metadata.name ?? ''}/${chartPath}`);
    checkDependencies(chart, obj);
    if (obj.spec.reconcileStrategy === 'Revision') {
      chart = setChartVersion(
        chart,
        `${chart.metadata.version}+${shortRevision(artifact.revision)}`,
      );
    }
    if (this.isCurrent(obj, chart.metadata.version, artifact.revision)) return undefined;
    // Values files of a Git source are relative to the source root, as Flux resolves them.
    const values = valuesFromFiles(obj, (path) => sourceFiles.get(path)?.toString('utf8'));
    return {
      chart: values === undefined ? chart : withValues(chart, values),
      sourceRevision: artifact.revision,
    };
  }

  private isCurrent(obj: HelmChart, version: string, sourceRevision: string | undefined): boolean {
    const status = obj.status;
    return (
      status?.artifact?.revision === version &&
      status.observedChartName !== undefined &&
      (sourceRevision === undefined || status.observedSourceArtifactRevision === sourceRevision) &&
      isDeepStrictEqual(status.observedValuesFiles ?? [], obj.spec.valuesFiles ?? [])
    );
  }

  private failed(obj: HelmChart, error: unknown): unknown {
    if (error instanceof HelmError) {
      const reason =
        error.reason === 'ChartNotFound' || error.reason === 'InvalidIndex'
          ? ConditionReason.ChartPullFailed
          : ConditionReason.ChartPackageFailed;
      const failure = new GenericError(
        reason,
        `${sourceName('HelmChart', obj)}: ${error.message}`,
        {
          cause: error,
        },
      );
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
    throw new WaitingError('SourceUnavailable', `${kind} '${namespace}/${name}' ${why}`, retryMs);
  }
  return source as T & { status: { artifact: Artifact } };
}

async function readStored(storage: Storage, artifact: Artifact): Promise<Buffer> {
  const bytes = await readFile(join(storage.basePath, artifact.path)).catch((error: unknown) => {
    throw new WaitingError(
      'SourceUnavailable',
      `source artifact ${artifact.path} is not in storage yet`,
      2_000,
      { cause: error },
    );
  });
  if (artifact.digest !== undefined && sha256Digest(bytes) !== artifact.digest) {
    throw new GenericError(
      'SourceUnavailable',
      `source artifact ${artifact.path} does not match its digest ${artifact.digest}`,
    );
  }
  return bytes;
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
  return { headers: {}, ...(auth.caPem === undefined ? {} : { caPem: auth.caPem }) };
}

/** The merged values of `spec.valuesFiles`, or undefined when the spec names none. */
function valuesFromFiles(
  obj: HelmChart,
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
        `${sourceName('HelmChart', obj)}: values file '${path}' not found (set ignoreMissingValuesFiles to skip missing files)`,
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
function checkDependencies(chart: LoadedChart, obj: HelmChart): void {
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
      `${sourceName('HelmChart', obj)}: dependencies ${missing.join(', ')} are not vendored in charts/; Tide does not download chart dependencies yet (run 'helm dependency build' and commit charts/)`,
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

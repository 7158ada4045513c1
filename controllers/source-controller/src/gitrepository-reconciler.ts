import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ConditionReason, ConditionType, type GitRepository } from '@tide/api';
import type { Storage } from '@tide/artifact';
import {
  IgnoreMatcher,
  writeTarball,
  readTarball,
  sha256Digest,
  sourceIgnoreFile,
  type TarEntry,
} from '@tide/artifact';
import type { GitObjectStore } from '@tide/git';
import {
  credentialsFromSecret,
  fetchCommit,
  resolveReference,
  type GitCredentials,
  type RemoteOptions,
  type ResolvedReference,
} from '@tide/git';
import {
  GenericError,
  Result,
  WaitingError,
  deleteCondition,
  markTrue,
  runSubReconcilers,
  type ConditionPolicy,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  type Watch,
} from '@tide/runtime';
import { gitFailure } from './git-errors.js';
import { gitRepositoryKind } from './kinds.js';
import { readSecretData } from './secrets.js';
import {
  artifactOwner,
  reconcileStorage,
  removeArtifacts,
  sourceName,
  storeStreamedArtifact,
} from './storage-step.js';
import type { Artifact } from '@tide/kube';
import { parseDuration } from '@tide/kube';

export interface GitRepositoryReconcilerOptions {
  readonly storage: Storage;
  /** Refuse repositories whose fetch downloads more than this many bytes. */
  readonly maxRepositorySize?: number;
}

const defaultTimeoutMs = 60_000;
/** How soon to look again for an included repository's artifact. */
const includeRetryMs = 10_000;

type Include = NonNullable<GitRepository['spec']['include']>[number];

/**
 * GitRepository: resolve `spec.ref` with one ls-remote, fetch only that commit when the
 * revision (or the ignore/include spec) changed, and store the tree — minus ignored paths,
 * plus included artifacts — as a deterministic tarball.
 */
export class GitRepositoryReconciler implements Reconciler<GitRepository> {
  readonly kind = gitRepositoryKind;
  readonly conditions: ConditionPolicy = {
    owned: [
      ConditionType.StorageOperationFailed,
      ConditionType.FetchFailed,
      ConditionType.IncludeUnavailable,
      ConditionType.ArtifactOutdated,
      ConditionType.ArtifactInStorage,
      ConditionType.SourceVerified,
    ],
    negativePolarity: [
      ConditionType.StorageOperationFailed,
      ConditionType.FetchFailed,
      ConditionType.IncludeUnavailable,
      ConditionType.ArtifactOutdated,
    ],
  };
  /** An included repository's new artifact rebuilds every repository that includes it. */
  readonly watches: readonly Watch[] = [
    {
      kind: gitRepositoryKind,
      map: (changed, context) =>
        context
          .cache<GitRepository>(gitRepositoryKind)
          .list(changed.metadata.namespace)
          .filter((repo) =>
            (repo.spec.include ?? []).some((i) => i.repository.name === changed.metadata.name),
          )
          .map((repo) => `${repo.metadata.namespace ?? ''}/${repo.metadata.name ?? ''}`),
    },
  ];

  constructor(private readonly options: GitRepositoryReconcilerOptions) {}

  successMessage(obj: GitRepository): string {
    return `stored artifact for revision '${obj.status?.artifact?.revision ?? ''}'`;
  }

  reconcile(obj: GitRepository, context: ReconcileContext): Promise<ReconcileResult> {
    const run = new GitRepositoryRun(obj, context, this.options);
    return runSubReconcilers(obj, [
      reconcileStorage('GitRepository', obj, this.options.storage),
      run.reconcileSource,
      run.reconcileInclude,
      run.reconcileArtifact,
    ]);
  }

  finalize(obj: GitRepository): Promise<ReconcileResult> {
    return removeArtifacts('GitRepository', obj, this.options.storage);
  }
}

/** One reconcile of one GitRepository: the sub-reconcilers and what they hand each other. */
class GitRepositoryRun {
  private resolved: ResolvedReference | undefined;
  /** The fetched commit's objects, once fetched (in memory; nothing is written to disk). */
  private fetched: GitObjectStore | undefined;
  private remote: RemoteOptions | undefined;
  private includes: { include: Include; artifact: Artifact; entries: TarEntry[] }[] = [];

  constructor(
    private readonly obj: GitRepository,
    private readonly context: ReconcileContext,
    private readonly options: GitRepositoryReconcilerOptions,
  ) {}

  /** Resolves the ref; fetches the commit only when it differs from the stored artifact's. */
  readonly reconcileSource = async (): Promise<ReconcileResult> => {
    this.remote = await this.remoteOptions();
    try {
      this.resolved = await resolveReference(this.remote, this.obj.spec.ref ?? {});
    } catch (error) {
      throw this.fetchFailed(error);
    }
    const status = this.obj.status;
    // The revision and the ignore/include spec are those of the artifact in status.
    const sameSource =
      status?.artifact?.revision === this.resolved.revision &&
      status.observedIgnore === this.obj.spec.ignore &&
      isDeepStrictEqual(status.observedInclude ?? [], this.obj.spec.include ?? []);
    if (!sameSource) await this.fetch();
    deleteCondition(this.obj, ConditionType.FetchFailed);
    return Result.Success;
  };

  /** Reads each included GitRepository's artifact from storage. */
  readonly reconcileInclude = async (): Promise<ReconcileResult> => {
    const cache = this.context.cache<GitRepository>(gitRepositoryKind);
    const loaded: typeof this.includes = [];
    for (const include of this.obj.spec.include ?? []) {
      const name = include.repository.name;
      const included = cache.get(this.obj.metadata.namespace, name);
      const artifact = included?.status?.artifact;
      if (artifact === undefined) {
        const why = included === undefined ? 'not found' : 'has no artifact yet';
        const message = `included GitRepository '${name}' ${why}`;
        markTrue(this.obj, ConditionType.IncludeUnavailable, 'IncludeUnavailable', message);
        throw new WaitingError('IncludeUnavailable', message, includeRetryMs);
      }
      const bytes = await readFile(join(this.options.storage.basePath, artifact.path)).catch(
        (error: unknown) => {
          throw new GenericError(
            'IncludeUnavailable',
            `included GitRepository '${name}': artifact not in storage`,
            { cause: error },
          );
        },
      );
      if (artifact.digest !== undefined && sha256Digest(bytes) !== artifact.digest) {
        throw new GenericError(
          'IncludeUnavailable',
          `included GitRepository '${name}': stored artifact does not match digest ${artifact.digest}`,
        );
      }
      loaded.push({ include, artifact, entries: await readTarball(bytes) });
    }
    deleteCondition(this.obj, ConditionType.IncludeUnavailable);
    this.includes = loaded;
    const sameIncludes = isDeepStrictEqual(
      loaded.map((l) => l.artifact.digest),
      (this.obj.status?.includedArtifacts ?? []).map((a) => a.digest),
    );
    // An included artifact that moved rebuilds this one even at the same revision.
    if (!sameIncludes) await this.fetch();
    return Result.Success;
  };

  /** Builds and stores the tarball when anything changed; records it in status. */
  readonly reconcileArtifact = async (): Promise<ReconcileResult> => {
    const resolved = this.resolved;
    if (resolved === undefined) return Result.Empty;
    if (this.fetched === undefined) {
      deleteCondition(this.obj, ConditionType.ArtifactOutdated);
      this.markInStorage();
      return Result.Success;
    }
    const store = this.fetched;
    const entries = await this.treeEntries(store, resolved.commit);
    const previous = this.obj.status?.artifact;
    // Streamed: a large repository's tar and gzip are never held in memory whole.
    const artifact = await storeStreamedArtifact(
      this.obj,
      artifactOwner('GitRepository', this.obj),
      this.options.storage,
      (digest) => `${digest.slice('sha256:'.length)}.tar.gz`,
      (sink) => writeTarball(entries, sink),
      { revision: resolved.revision },
    );
    const { ignore, include } = this.obj.spec;
    const status = (this.obj.status ??= {});
    setOrDelete(status, 'observedIgnore', ignore);
    setOrDelete(status, 'observedInclude', include);
    setOrDelete(
      status,
      'includedArtifacts',
      this.includes.length === 0 ? undefined : this.includes.map((i) => i.artifact),
    );
    this.markInStorage();
    if (previous?.digest !== artifact.digest) {
      const subject = await store.commitSubject(resolved.commit).catch(() => '');
      await this.context.event({
        type: 'Normal',
        reason: 'NewArtifact',
        message: `stored artifact for commit '${subject}'`,
        annotations: { 'source.toolkit.fluxcd.io/revision': resolved.revision },
      });
    }
    return Result.Success;
  };

  /** Fetches the resolved commit once per reconcile, marking progress while it runs. */
  private async fetch(): Promise<void> {
    const resolved = this.resolved;
    const remote = this.remote;
    if (resolved === undefined || remote === undefined || this.fetched !== undefined) return;
    const message = `building artifact: new upstream revision '${resolved.revision}'`;
    const current = this.obj.status?.artifact;
    if (current !== undefined && current.revision !== resolved.revision) {
      markTrue(this.obj, ConditionType.ArtifactOutdated, 'NewRevision', message);
    }
    markTrue(this.obj, ConditionType.Reconciling, ConditionReason.Progressing, message);
    await this.context.patchStatus();
    try {
      this.fetched = (await fetchCommit(remote, resolved)).store;
    } catch (error) {
      throw this.fetchFailed(error);
    }
  }

  private markInStorage(): void {
    const artifact = this.obj.status?.artifact;
    if (artifact === undefined) return;
    markTrue(
      this.obj,
      ConditionType.ArtifactInStorage,
      ConditionReason.Succeeded,
      `stored artifact for revision '${artifact.revision}'`,
    );
  }

  private async remoteOptions(): Promise<RemoteOptions> {
    const spec = this.obj.spec;
    const timeoutMs = spec.timeout === undefined ? defaultTimeoutMs : parseDuration(spec.timeout);
    let credentials: GitCredentials | undefined;
    if (spec.secretRef !== undefined) {
      const namespace = this.obj.metadata.namespace ?? '';
      const data = await readSecretData(
        this.context.client,
        namespace,
        spec.secretRef.name,
        sourceName('GitRepository', this.obj),
      ).catch((error: unknown) => {
        if (error instanceof GenericError)
          markTrue(this.obj, ConditionType.FetchFailed, error.reason, error.message);
        throw error;
      });
      try {
        credentials = credentialsFromSecret(data, `${namespace}/${spec.secretRef.name}`);
      } catch (error) {
        const message = `${sourceName('GitRepository', this.obj)}: ${error instanceof Error ? error.message : String(error)}`;
        markTrue(
          this.obj,
          ConditionType.FetchFailed,
          ConditionReason.AuthenticationFailed,
          message,
        );
        throw new GenericError(ConditionReason.AuthenticationFailed, message, { cause: error });
      }
    }
    return {
      url: spec.url,
      timeoutMs,
      ...(credentials === undefined ? {} : { credentials }),
      ...(this.options.maxRepositorySize === undefined
        ? {}
        : { maxBytes: this.options.maxRepositorySize }),
    };
  }

  private fetchFailed(error: unknown) {
    const failure = gitFailure(
      error,
      `failed to checkout and determine revision for ${sourceName('GitRepository', this.obj)}`,
    );
    markTrue(this.obj, ConditionType.FetchFailed, failure.reason, failure.message);
    return failure;
  }

  /** The commit's files minus ignored paths, with included artifacts laid in at their toPath. */
  private async treeEntries(store: GitObjectStore, commit: string): Promise<TarEntry[]> {
    const files = await store.listTree(commit);
    const sourceIgnoreFiles = new Map<string, string>();
    for (const file of files) {
      if (file.path === sourceIgnoreFile || file.path.endsWith(`/${sourceIgnoreFile}`)) {
        const dir = file.path.slice(0, Math.max(0, file.path.length - sourceIgnoreFile.length - 1));
        sourceIgnoreFiles.set(dir, (await store.readBlob(file.oid)).toString('utf8'));
      }
    }
    const matcher = new IgnoreMatcher({
      sourceIgnoreFiles,
      ...(this.obj.spec.ignore === undefined ? {} : { specIgnore: this.obj.spec.ignore }),
    });
    const byPath = new Map<string, TarEntry>();
    for (const file of files) {
      if (matcher.excludes(file.path)) continue;
      const content = await store.readBlob(file.oid);
      byPath.set(
        file.path,
        file.type === 'symlink'
          ? { path: file.path, type: 'symlink', target: Buffer.from(content).toString('utf8') }
          : { path: file.path, type: 'file', content, executable: file.type === 'executable' },
      );
    }
    for (const { include, entries } of this.includes) {
      const from = trimSlashes(include.fromPath ?? '');
      const to = trimSlashes(include.toPath ?? include.repository.name);
      for (const entry of entries) {
        if (from !== '' && entry.path !== from && !entry.path.startsWith(`${from}/`)) continue;
        const relative =
          from === '' ? entry.path : entry.path.slice(from.length).replace(/^\//, '');
        if (relative === '') continue;
        const path = to === '' ? relative : `${to}/${relative}`;
        if (matcher.excludes(path)) continue;
        byPath.set(path, { ...entry, path });
      }
    }
    return [...byPath.values()];
  }
}

/** Sets an optional status field, or removes it so the patch removes it too. */
function setOrDelete<T extends object, K extends keyof T>(
  target: T,
  key: K,
  value: T[K] | undefined,
): void {
  if (value === undefined) Reflect.deleteProperty(target, key);
  else target[key] = value;
}

function trimSlashes(path: string): string {
  return path.replace(/^\.?\/+/, '').replace(/\/+$/, '');
}

import { isDeepStrictEqual } from 'node:util';
import { ConditionReason, ConditionType, type GitRepository } from '@tide/api';
import {
  IgnoreMatcher,
  writeTarball,
  readTarball,
  sourceIgnoreFile,
  UntrustedArtifactError,
  type TarEntry,
} from '@tide/artifact';
import {
  credentialsFromSecret,
  fetchCommit,
  isSshUrl,
  sshCredentialsFromSecret,
  resolveReference,
  resolveSourceTree,
  type GitCredentials,
  type GitObjectStore,
  type SourceTree,
  type RemoteOptions,
  type ResolvedReference,
  type SshCredentials,
} from '@tide/git';
import {
  EventType,
  GenericError,
  Result,
  WaitingError,
  deleteCondition,
  markTrue,
  type ReconcileError,
  type ReconcileResult,
  type Run,
} from '@tide/runtime';
import { gitFailure } from './git-errors.js';
import { gitRepositoryKind } from './kinds.js';
import { readSecretData } from './secrets.js';
import {
  artifactOwner,
  sourceName,
  storeStreamedArtifact,
  untrustedArtifactMessage,
  type SourceState,
} from './storage-step.js';
import { type Artifact, parseDuration } from '@tide/kube';

const defaultTimeoutMs = 60_000;
/** How soon to look again for an included repository's artifact. */
const includeRetryMs = 10_000;

export type Include = NonNullable<GitRepository['spec']['include']>[number];

/** An included GitRepository's artifact, read from storage. */
export interface IncludedArtifact {
  readonly include: Include;
  readonly artifact: Artifact;
  readonly entries: TarEntry[];
}

/** What the GitRepository steps hand each other during one reconcile. */
export interface GitState extends SourceState {
  /** Refuse repositories whose fetch downloads more than this many bytes. */
  readonly maxRepositorySize: number | undefined;
  /** How to reach the remote (URL, timeout, credentials); set by reconcileSource. */
  remote?: RemoteOptions;
  /** The commit `spec.ref` names now; set by reconcileSource. */
  resolved?: ResolvedReference;
  /** The fetched commit's objects, once fetched (in memory; nothing is written to disk). */
  fetched?: GitObjectStore;
  /** The fetched commit's files, submodules laid in and kept to spec.sparseCheckout. */
  tree?: SourceTree;
  /** The included artifacts; set by reconcileInclude. */
  includes: IncludedArtifact[];
}

export type GitRun = Run<GitRepository, GitState>;

/**
 * Resolves `spec.ref` with one ls-remote, and fetches the commit only when the revision or
 * the ignore/include/recurseSubmodules/sparseCheckout spec differs from the stored artifact's. Sets FetchFailed (with the
 * reason of the typed error it throws) when the Secret, the remote or the ref fails, and
 * removes it on success; while fetching a new revision it marks Reconciling, and
 * ArtifactOutdated when an artifact of another revision is in status.
 */
export async function reconcileSource(run: GitRun): Promise<ReconcileResult> {
  const { obj, state } = run;
  state.remote = await remoteOptions(run);
  try {
    state.resolved = await resolveReference(state.remote, obj.spec.ref ?? {});
  } catch (error) {
    throw fetchFailed(run, error);
  }
  const status = obj.status;
  // The revision and the content spec are those of the artifact in status.
  const sameSource =
    status?.artifact?.revision === state.resolved.revision &&
    status.observedIgnore === obj.spec.ignore &&
    isDeepStrictEqual(status.observedInclude ?? [], obj.spec.include ?? []) &&
    (status.observedRecurseSubmodules ?? false) === (obj.spec.recurseSubmodules ?? false) &&
    isDeepStrictEqual(status.observedSparseCheckout ?? [], obj.spec.sparseCheckout ?? []);
  if (!sameSource) await fetchOnce(run);
  deleteCondition(obj, ConditionType.FetchFailed);
  return Result.Success;
}

/**
 * Reads each included GitRepository's artifact from storage, and fetches the commit when
 * an included artifact moved. An include that is missing or has no artifact yet sets
 * IncludeUnavailable and waits; one whose file is gone or does not match its digest is
 * retried with backoff. IncludeUnavailable goes once every include is read.
 */
export async function reconcileInclude(run: GitRun): Promise<ReconcileResult> {
  const { obj, context, state } = run;
  const cache = context.cache<GitRepository>(gitRepositoryKind);
  const loaded: IncludedArtifact[] = [];
  for (const include of obj.spec.include ?? []) {
    const name = include.repository.name;
    const included = cache.get(obj.metadata.namespace, name);
    const artifact = included?.status?.artifact;
    if (artifact === undefined) {
      const why = included === undefined ? 'not found' : 'has no artifact yet';
      const message = `included GitRepository '${name}' ${why}`;
      markTrue(obj, ConditionType.IncludeUnavailable, ConditionReason.IncludeUnavailable, message);
      throw new WaitingError(ConditionReason.IncludeUnavailable, message, includeRetryMs);
    }
    const bytes = await readIncluded(run, name, artifact);
    loaded.push({ include, artifact, entries: await readTarball(bytes) });
  }
  deleteCondition(obj, ConditionType.IncludeUnavailable);
  state.includes = loaded;
  const sameIncludes = isDeepStrictEqual(
    loaded.map((l) => l.artifact.digest),
    (obj.status?.includedArtifacts ?? []).map((a) => a.digest),
  );
  // An included artifact that moved rebuilds this one even at the same revision.
  if (!sameIncludes) await fetchOnce(run);
  return Result.Success;
}

/**
 * Builds and stores the tarball when a commit was fetched, and records it with the observed
 * ignore/include spec in status; an unchanged source keeps its artifact. Sets
 * ArtifactInStorage, removes ArtifactOutdated, and records a NewArtifact event when the
 * digest changed. A storage failure sets StorageOperationFailed.
 */
export async function reconcileArtifact(run: GitRun): Promise<ReconcileResult> {
  const { obj, context, state } = run;
  const resolved = state.resolved;
  if (resolved === undefined) return Result.Empty;
  if (state.fetched === undefined) {
    deleteCondition(obj, ConditionType.ArtifactOutdated);
    markInStorage(obj);
    return Result.Success;
  }
  const store = state.fetched;
  const tree = state.tree ?? (await plainTree(obj, store, resolved.commit));
  const entries = await treeEntries(obj, state.includes, tree);
  const previous = obj.status?.artifact;
  // Streamed: a large repository's tar and gzip are never held in memory whole.
  const artifact = await storeStreamedArtifact(
    obj,
    artifactOwner(state.kind, obj),
    state.storage,
    (digest) => `${digest.slice('sha256:'.length)}.tar.gz`,
    (sink) => writeTarball(entries, sink),
    { revision: resolved.revision },
  );
  const { ignore, include, recurseSubmodules, sparseCheckout } = obj.spec;
  const status = (obj.status ??= {});
  setOrDelete(status, 'observedIgnore', ignore);
  setOrDelete(status, 'observedInclude', include);
  // Flux omits both when unset (omitempty): false and [] are never written.
  setOrDelete(status, 'observedRecurseSubmodules', recurseSubmodules === true ? true : undefined);
  setOrDelete(
    status,
    'observedSparseCheckout',
    sparseCheckout === undefined || sparseCheckout.length === 0 ? undefined : sparseCheckout,
  );
  setOrDelete(
    status,
    'includedArtifacts',
    state.includes.length === 0 ? undefined : state.includes.map((i) => i.artifact),
  );
  markInStorage(obj);
  if (previous?.digest !== artifact.digest) {
    const subject = await store.commitSubject(resolved.commit).catch(() => '');
    await context.event({
      type: EventType.Normal,
      reason: ConditionReason.NewArtifact,
      message: `stored artifact for commit '${subject}'`,
      annotations: { 'source.toolkit.fluxcd.io/revision': resolved.revision },
    });
  }
  return Result.Success;
}

/**
 * The included repository's artifact from storage, only when its status names that
 * repository's own file with a digest that matches: a status pointing at another object's
 * artifact or out of storage is refused with a message naming the field, never read.
 */
async function readIncluded(run: GitRun, name: string, artifact: Artifact): Promise<Buffer> {
  const { obj, state } = run;
  const owner = { kind: state.kind.kind, namespace: obj.metadata.namespace ?? '', name };
  try {
    return await state.storage.readOwned(owner, artifact);
  } catch (error) {
    const reader = `${sourceName(state.kind, obj)}: included GitRepository '${name}'`;
    const message =
      error instanceof UntrustedArtifactError
        ? untrustedArtifactMessage(reader, owner, error)
        : `${reader}: artifact not in storage`;
    markTrue(obj, ConditionType.IncludeUnavailable, ConditionReason.IncludeUnavailable, message);
    throw new GenericError(ConditionReason.IncludeUnavailable, message, { cause: error });
  }
}

/** Fetches the resolved commit once per reconcile, marking progress while it runs. */
async function fetchOnce(run: GitRun): Promise<void> {
  const { obj, context, state } = run;
  const { resolved, remote } = state;
  if (resolved === undefined || remote === undefined || state.fetched !== undefined) return;
  const message = `building artifact: new upstream revision '${resolved.revision}'`;
  const current = obj.status?.artifact;
  if (current !== undefined && current.revision !== resolved.revision) {
    markTrue(obj, ConditionType.ArtifactOutdated, ConditionReason.NewRevision, message);
  }
  markTrue(obj, ConditionType.Reconciling, ConditionReason.Progressing, message);
  await context.patchStatus();
  try {
    const fetched = await fetchCommit(remote, resolved);
    // Submodules come through the same fetch entry, within the same limits and timeout.
    state.tree = await resolveSourceTree({
      remote,
      fetched,
      commit: resolved.commit,
      fetch: fetchCommit,
      ...(obj.spec.recurseSubmodules === undefined
        ? {}
        : { recurseSubmodules: obj.spec.recurseSubmodules }),
      ...(obj.spec.sparseCheckout === undefined ? {} : { sparseCheckout: obj.spec.sparseCheckout }),
    });
    state.fetched = fetched.store;
  } catch (error) {
    throw fetchFailed(run, error);
  }
}

/**
 * The commit's own files, for a store handed to this step without a tree (a step driven on
 * its own); a spec that needs submodules or sparse paths must come through fetchOnce.
 */
async function plainTree(
  obj: GitRepository,
  store: GitObjectStore,
  commit: string,
): Promise<SourceTree> {
  if (obj.spec.recurseSubmodules === true || (obj.spec.sparseCheckout ?? []).length > 0) {
    throw new Error('recurseSubmodules and sparseCheckout need the tree fetchOnce builds');
  }
  const files = await store.listTree(commit);
  return { files: files.map((file) => ({ ...file, store })), submodules: [] };
}

function markInStorage(obj: GitRepository): void {
  const artifact = obj.status?.artifact;
  if (artifact === undefined) return;
  markTrue(
    obj,
    ConditionType.ArtifactInStorage,
    ConditionReason.Succeeded,
    `stored artifact for revision '${artifact.revision}'`,
  );
}

async function remoteOptions({ obj, context, state }: GitRun): Promise<RemoteOptions> {
  const spec = obj.spec;
  const name = sourceName(state.kind, obj);
  const timeoutMs = spec.timeout === undefined ? defaultTimeoutMs : parseDuration(spec.timeout);
  let credentials: GitCredentials | undefined;
  let ssh: SshCredentials | undefined;
  if (spec.secretRef === undefined && isSshUrl(spec.url)) {
    // As Flux: SSH needs a key and known_hosts, so no secret is an authentication failure.
    const message = `${name}: an SSH URL needs spec.secretRef naming a Secret with 'identity' (private key) and 'known_hosts'`;
    markTrue(obj, ConditionType.FetchFailed, ConditionReason.AuthenticationFailed, message);
    throw new GenericError(ConditionReason.AuthenticationFailed, message);
  }
  if (spec.secretRef !== undefined) {
    const namespace = obj.metadata.namespace ?? '';
    const data = await readSecretData(context.client, namespace, spec.secretRef.name, name).catch(
      (error: unknown) => {
        if (error instanceof GenericError)
          markTrue(obj, ConditionType.FetchFailed, error.reason, error.message);
        throw error;
      },
    );
    try {
      // Over SSH the secret holds identity/password/known_hosts (Flux reads only those there).
      const secretName = `${namespace}/${spec.secretRef.name}`;
      if (isSshUrl(spec.url)) ssh = sshCredentialsFromSecret(data, secretName);
      else credentials = credentialsFromSecret(data, secretName);
    } catch (error) {
      const message = `${name}: ${error instanceof Error ? error.message : String(error)}`;
      markTrue(obj, ConditionType.FetchFailed, ConditionReason.AuthenticationFailed, message);
      throw new GenericError(ConditionReason.AuthenticationFailed, message, { cause: error });
    }
  }
  return {
    url: spec.url,
    timeoutMs,
    ...(credentials === undefined ? {} : { credentials }),
    ...(ssh === undefined ? {} : { ssh }),
    ...(state.maxRepositorySize === undefined ? {} : { maxBytes: state.maxRepositorySize }),
  };
}

function fetchFailed({ obj, state }: GitRun, error: unknown): ReconcileError {
  const failure = gitFailure(
    error,
    `failed to checkout and determine revision for ${sourceName(state.kind, obj)}`,
  );
  markTrue(obj, ConditionType.FetchFailed, failure.reason, failure.message);
  return failure;
}

/**
 * The commit's files (submodules laid in, kept to the sparse directories) minus ignored
 * paths, with included artifacts laid in at their toPath.
 */
async function treeEntries(
  obj: GitRepository,
  includes: readonly IncludedArtifact[],
  tree: SourceTree,
): Promise<TarEntry[]> {
  const files = tree.files;
  const sourceIgnoreFiles = new Map<string, string>();
  for (const file of files) {
    if (file.path === sourceIgnoreFile || file.path.endsWith(`/${sourceIgnoreFile}`)) {
      const dir = file.path.slice(0, Math.max(0, file.path.length - sourceIgnoreFile.length - 1));
      sourceIgnoreFiles.set(dir, (await file.store.readBlob(file.oid)).toString('utf8'));
    }
  }
  const matcher = new IgnoreMatcher({
    sourceIgnoreFiles,
    ...(obj.spec.ignore === undefined ? {} : { specIgnore: obj.spec.ignore }),
  });
  const byPath = new Map<string, TarEntry>();
  for (const file of files) {
    if (matcher.excludes(file.path)) continue;
    const content = await file.store.readBlob(file.oid);
    byPath.set(
      file.path,
      file.type === 'symlink'
        ? { path: file.path, type: 'symlink', target: Buffer.from(content).toString('utf8') }
        : { path: file.path, type: 'file', content, executable: file.type === 'executable' },
    );
  }
  for (const { include, entries } of includes) {
    const from = trimSlashes(include.fromPath ?? '');
    const to = trimSlashes(include.toPath ?? include.repository.name);
    for (const entry of entries) {
      if (from !== '' && entry.path !== from && !entry.path.startsWith(`${from}/`)) continue;
      const relative = from === '' ? entry.path : entry.path.slice(from.length).replace(/^\//, '');
      if (relative === '') continue;
      const path = to === '' ? relative : `${to}/${relative}`;
      if (matcher.excludes(path)) continue;
      byPath.set(path, { ...entry, path });
    }
  }
  return [...byPath.values()];
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

import { mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ConditionReason, type Kustomization } from '@tide/api';
import { extractTarball, fetchArtifactToFile } from '@tide/artifact';
import { GenericError, StallingError, WaitingError, type Informer } from '@tide/runtime';
import { formatArtifactHost, isAllowedArtifactUrl, type ArtifactHost } from './artifact-hosts.js';
import { sourceKinds } from './kinds.js';
import { type Artifact, type KindRef, type KubeObject, messageOf } from '@tide/kube';

/** A source object as far as a Kustomization reads it. */
export interface SourceObject extends KubeObject {
  status?: { artifact?: Artifact };
}

/** The source a Kustomization refers to, and its current artifact. */
export interface ResolvedSource {
  /** `GitRepository/ns/name`, for messages. */
  readonly display: string;
  /** The source object; source-controller serves its artifacts under `/<kind>/<ns>/<name>/`. */
  readonly owner: { readonly kind: string; readonly namespace: string; readonly name: string };
  readonly artifact: Artifact;
}

export interface SourceLookup {
  cache<U extends KubeObject>(kind: KindRef): Informer<U>;
}

/** `spec.sourceRef` with its namespace defaulted to the Kustomization's. */
export function sourceRefOf(obj: Kustomization): {
  kind: string;
  namespace: string;
  name: string;
} {
  const ref = obj.spec.sourceRef;
  return {
    kind: ref.kind,
    namespace: ref.namespace ?? obj.metadata.namespace ?? '',
    name: ref.name,
  };
}

/**
 * Finds the source in the read cache. Cross-namespace references are refused when
 * `noCrossNamespaceRefs` (Stalled: only a spec change helps); a missing source or one
 * without an artifact yet is a wait of `retryMs`.
 */
export function resolveSource(
  obj: Kustomization,
  lookup: SourceLookup,
  options: { noCrossNamespaceRefs: boolean; retryMs: number },
): ResolvedSource {
  const ref = sourceRefOf(obj);
  const display = `${ref.kind}/${ref.namespace}/${ref.name}`;
  const kind = sourceKinds.get(ref.kind);
  if (kind === undefined)
    throw new StallingError(
      ConditionReason.ArtifactFailed,
      `source kind '${ref.kind}' is not supported: use GitRepository, OCIRepository or Bucket`,
    );
  if (options.noCrossNamespaceRefs && ref.namespace !== obj.metadata.namespace)
    throw new StallingError(
      ConditionReason.AccessDenied,
      `cannot access ${display}: cross-namespace references have been disabled`,
    );
  const source = lookup.cache<SourceObject>(kind).get(ref.namespace, ref.name);
  if (source === undefined)
    throw new WaitingError(
      ConditionReason.ArtifactFailed,
      `source '${display}' not found`,
      options.retryMs,
    );
  const artifact = source.status?.artifact;
  if (artifact === undefined)
    throw new WaitingError(
      ConditionReason.ArtifactFailed,
      `source '${display}' has no artifact yet`,
      options.retryMs,
    );
  return { display, owner: { kind: ref.kind, namespace: ref.namespace, name: ref.name }, artifact };
}

/**
 * Downloads the artifact, verifies digest and size, and extracts it into a new temporary
 * directory; returns that directory. The caller removes it. With `artifactHosts`, a URL on
 * any other host is refused before anything is requested.
 */
export async function fetchSource(
  source: ResolvedSource,
  options: {
    retries: number;
    workDir?: string | undefined;
    artifactHosts?: readonly ArtifactHost[] | undefined;
    signal?: AbortSignal;
  },
): Promise<string> {
  const { artifact } = source;
  if (
    options.artifactHosts !== undefined &&
    !isAllowedArtifactUrl(artifact.url, options.artifactHosts)
  )
    throw new GenericError(
      ConditionReason.ArtifactFailed,
      `status.artifact.url ${JSON.stringify(artifact.url)} of ${source.display} is not on an allowed artifact host ` +
        `(--artifact-hosts: ${options.artifactHosts.map(formatArtifactHost).join(', ')}); nothing was downloaded: ` +
        `artifacts come only from source-controller, so the source's status was written by someone else ` +
        `(source-controller corrects it at its next reconcile), or --artifact-hosts lacks source-controller's address`,
    );
  if (options.artifactHosts !== undefined && !isOwnArtifactPath(source))
    throw new GenericError(
      ConditionReason.ArtifactFailed,
      `status.artifact.url ${JSON.stringify(artifact.url)} of ${source.display} is not one of its own artifacts ` +
        `(source-controller serves them under /${ownArtifactPrefix(source)}); nothing was downloaded: ` +
        `the source's status was written by someone else, and source-controller corrects it at its next reconcile`,
    );
  if (artifact.digest === undefined)
    throw new GenericError(
      ConditionReason.ArtifactFailed,
      `artifact of ${source.display} has no digest to verify`,
    );
  const dir = await mkdtemp(join(options.workDir ?? tmpdir(), 'tide-kustomization-'));
  // The archive goes to disk beside the tree, not into memory: --concurrent artifacts of up
  // to 256 MiB each would not fit the controller's heap.
  const archive = `${dir}.tar.gz`;
  try {
    await fetchArtifactToFile({
      url: artifact.url,
      digest: artifact.digest,
      path: archive,
      retries: options.retries,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(typeof artifact.size === 'number' ? { maxSize: artifact.size } : {}),
    });
    await extractTarball({ file: archive }, dir);
    return dir;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const message = messageOf(error);
    throw new GenericError(
      ConditionReason.ArtifactFailed,
      `fetching artifact of ${source.display} (revision '${artifact.revision}'): ${message}`,
      { cause: error },
    );
  } finally {
    await rm(archive, { force: true });
  }
}

/** `gitrepository/<ns>/<name>/`: where source-controller keeps one source's artifacts. */
function ownArtifactPrefix(source: ResolvedSource): string {
  const { kind, namespace, name } = source.owner;
  return `${kind.toLowerCase()}/${namespace}/${name}/`;
}

/**
 * Whether the artifact URL names a file of the referenced source itself: a tenant who can
 * write a source's status must not point it at another tenant's artifact on the same
 * server. The path is taken after URL normalisation (dot segments resolved), and escapes are
 * refused, since no artifact path needs one.
 */
function isOwnArtifactPath(source: ResolvedSource): boolean {
  let path: string;
  try {
    path = new URL(source.artifact.url).pathname;
  } catch {
    return false;
  }
  if (path.includes('%')) return false;
  const prefix = `/${ownArtifactPrefix(source)}`;
  return (
    path.startsWith(prefix) &&
    path.length > prefix.length &&
    !path.slice(prefix.length).includes('/')
  );
}

/**
 * `spec.path` inside the extracted artifact. It must be a directory, and it must stay
 * inside the artifact after following symlinks; otherwise Stalled until the spec (or the
 * source, whose new revision reconciles again) changes.
 */
export async function buildDirectory(root: string, path: string | undefined): Promise<string> {
  const wanted = path === undefined || path === '' ? '.' : path;
  const realRoot = await realpath(root);
  const candidate = resolve(realRoot, wanted.replace(/^\/+/, ''));
  const outside = (dir: string) => {
    const rel = relative(realRoot, dir);
    return rel.startsWith('..') || isAbsolute(rel);
  };
  const invalid = (why: string) =>
    new StallingError(ConditionReason.ArtifactFailed, `kustomization path '${wanted}' ${why}`);
  if (outside(candidate)) throw invalid('is outside the artifact');
  const real = await realpath(candidate).catch(() => undefined);
  if (real === undefined) throw invalid('not found in the artifact');
  if (outside(real)) throw invalid('is outside the artifact');
  if (!(await stat(real)).isDirectory()) throw invalid('is not a directory');
  return real;
}

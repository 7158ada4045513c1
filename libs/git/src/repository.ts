import git from 'isomorphic-git';
import { authorizationHeaders, refuseCleartextCredentials, type GitCredentials } from './auth.js';
import { redactUrlsIn } from '@tide/artifact';
import { GitError, redactUrl } from './errors.js';
import { createTransport, type Transport } from './http-client.js';
import { PackTooLargeError, type PackLimits } from './pack.js';
import { GitObjectStore } from './tree.js';
import { fetchPackfile, type PackRequest } from './upload-pack.js';
import type { SshCredentials } from './ssh-auth.js';
import { fetchPackOverSsh, listRefsOverSsh } from './ssh-transport.js';
import { isSshUrl, parseSshUrl } from './ssh-url.js';
import { highestMatchingTag } from './semver.js';

/** The `spec.ref` of a GitRepository. Precedence: commit, name, semver, tag, branch. */
export interface GitReference {
  readonly branch?: string;
  readonly tag?: string;
  readonly semver?: string;
  readonly name?: string;
  readonly commit?: string;
}

export interface RemoteOptions {
  readonly url: string;
  readonly credentials?: GitCredentials;
  /** For ssh:// (and scp-like) URLs: the secret's key and known_hosts (required there). */
  readonly ssh?: SshCredentials;
  /** Bounds every operation against the remote (`spec.timeout`). */
  readonly timeoutMs: number;
  /** Refuse repositories whose download exceeds this many bytes. */
  readonly maxBytes?: number;
  /** Bounds on the inflated objects (default `defaultPackLimits`). */
  readonly packLimits?: PackLimits;
}

/** A reference resolved against the remote: what to fetch and the revision it becomes. */
export interface ResolvedReference {
  /** The full ref fetched (`refs/heads/main`), absent for a bare commit. */
  readonly refName?: string;
  /** The commit SHA (40 hex). */
  readonly commit: string;
  /** Flux's revision string: `main@sha1:<hex>`, `v1.2.3@sha1:<hex>`, `sha1:<hex>`. */
  readonly revision: string;
  /** The commit was pinned by `ref.commit`, so fetching needs history, not a shallow tip. */
  readonly pinned: boolean;
}

/** When `spec.ref` is empty, Flux follows `master`. */
export const defaultBranch = 'master';

const shaPattern = /^[0-9a-f]{40}$/;

/** Checks the URL is one this client can fetch: http(s), ssh:// or scp-like `user@host:path`. */
export function checkUrl(url: string): void {
  if (isSshUrl(url)) {
    parseSshUrl(url);
    return;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GitError('InvalidReference', `invalid Git URL ${JSON.stringify(redactUrl(url))}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new GitError(
      'Unsupported',
      `${redactUrl(url)}: unsupported scheme ${parsed.protocol} (use http or https)`,
    );
  }
  // A fragment or query would cut off the `/info/refs?service=…` the client appends, letting
  // the URL name any path on the host.
  if (url.includes('#') || url.includes('?')) {
    throw new GitError(
      'InvalidReference',
      `${redactUrl(url).replace(/[?#].*$/, '')}: a Git URL may not carry a query or fragment`,
    );
  }
}

/** Runs `operation` with a transport bounded by the remote's timeout. */
async function withTransport<T>(
  remote: RemoteOptions,
  operation: (http: Transport) => Promise<T>,
): Promise<T> {
  checkUrl(remote.url);
  refuseCleartextCredentials(remote.url, remote.credentials);
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(
      new GitError('Timeout', `${redactUrl(remote.url)}: timed out after ${remote.timeoutMs}ms`),
    );
  }, remote.timeoutMs);
  const http = createTransport({
    headers: authorizationHeaders(remote.credentials),
    signal: controller.signal,
    ...(remote.credentials?.caPem === undefined ? {} : { caPem: remote.credentials.caPem }),
    ...(remote.maxBytes === undefined ? {} : { maxBytes: remote.maxBytes }),
  });
  try {
    return await operation(http);
  } catch (error) {
    throw http.failure() ?? toGitError(error, remote.url, http.lastAnswer());
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Turns isomorphic-git's errors into GitErrors whose messages name the (redacted) URL. No
 * part of a response body or reason phrase is ever copied: the URL may point anywhere, and
 * the message ends up in status and events.
 */
function toGitError(
  error: unknown,
  url: string,
  answer: { status: number; contentType: string } | undefined,
): GitError {
  if (error instanceof GitError) return error;
  const safeUrl = redactUrl(url);
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && notGitAnswers.has(code)) {
      const status = answer === undefined ? 'no answer' : `HTTP ${answer.status}`;
      const type = answer === undefined ? '' : `, content-type ${answer.contentType}`;
      return new GitError(
        'OperationFailed',
        `${safeUrl}: not a Git smart-HTTP endpoint (${status}${type})`,
      );
    }
    const data = (error as { data?: { statusCode?: number } }).data;
    if (code === 'HttpError' && (data?.statusCode === 401 || data?.statusCode === 403)) {
      return new GitError(
        'AuthenticationFailed',
        `authentication failed for ${safeUrl} (HTTP ${data.statusCode})`,
        { cause: error },
      );
    }
    if (code === 'HttpError' && data?.statusCode === 404) {
      return new GitError('NotFound', `repository ${safeUrl} not found (HTTP 404)`, {
        cause: error,
      });
    }
    if (code === 'NotFoundError')
      return new GitError('NotFound', `${safeUrl}: ${redactUrlsIn(error.message)}`, {
        cause: error,
      });
    if (code === 'HttpError') {
      return new GitError('OperationFailed', `${safeUrl}: HTTP ${data?.statusCode ?? 'error'}`);
    }
    const inner = error.cause instanceof GitError ? error.cause : undefined;
    if (inner !== undefined) return inner;
    return new GitError('OperationFailed', `${safeUrl}: ${redactUrlsIn(error.message)}`, {
      cause: error,
    });
  }
  return new GitError('OperationFailed', `${safeUrl}: ${redactUrlsIn(String(error))}`);
}

/** isomorphic-git errors that mean the answer was not Git's (some quote the body). */
const notGitAnswers = new Set(['SmartHttpError', 'ParseError', 'EmptyServerResponseError']);

interface RemoteRef {
  readonly ref: string;
  readonly oid: string;
  readonly peeled?: string | undefined;
}

/** `git ls-remote`: every ref of the remote with tags peeled to their commits. */
export function listRemoteRefs(remote: RemoteOptions): Promise<readonly RemoteRef[]> {
  if (isSshUrl(remote.url)) return listRefsOverSsh(remote);
  return withTransport(remote, async (http) =>
    git.listServerRefs({ http, url: remote.url, peelTags: true, protocolVersion: 1 }),
  );
}

/**
 * Resolves `spec.ref` to a commit with one `ls-remote` round trip. A commit pinned without
 * a branch resolves to itself; whether it exists is checked when fetching.
 */
export async function resolveReference(
  remote: RemoteOptions,
  ref: GitReference = {},
): Promise<ResolvedReference> {
  if (ref.commit !== undefined) {
    const commit = ref.commit.toLowerCase();
    if (!shaPattern.test(commit)) {
      throw new GitError(
        'InvalidReference',
        `ref.commit ${JSON.stringify(ref.commit)} is not a full 40-character SHA-1`,
      );
    }
    return ref.branch === undefined
      ? { commit, revision: `sha1:${commit}`, pinned: true }
      : {
          refName: `refs/heads/${ref.branch}`,
          commit,
          revision: `${ref.branch}@sha1:${commit}`,
          pinned: true,
        };
  }
  const refs = await listRemoteRefs(remote);
  const find = (name: string): string | undefined => {
    const found = refs.find((r) => r.ref === name);
    return found === undefined ? undefined : (found.peeled ?? found.oid);
  };
  const resolved = (refName: string, label: string, what: string): ResolvedReference => {
    const commit = find(refName);
    if (commit === undefined)
      throw new GitError('NotFound', `${what} not found in ${redactUrl(remote.url)}`);
    return { refName, commit, revision: `${label}@sha1:${commit}`, pinned: false };
  };
  if (ref.name !== undefined) {
    if (!ref.name.startsWith('refs/')) {
      throw new GitError(
        'InvalidReference',
        `ref.name ${JSON.stringify(ref.name)} must be a full reference starting with refs/`,
      );
    }
    return resolved(ref.name, ref.name, `reference ${ref.name}`);
  }
  if (ref.semver !== undefined) {
    const tags = refs
      .filter((r) => r.ref.startsWith('refs/tags/') && !r.ref.endsWith('^{}'))
      .map((r) => r.ref.slice('refs/tags/'.length));
    const tag = highestMatchingTag(tags, ref.semver);
    if (tag === undefined) {
      throw new GitError(
        'NotFound',
        `no tag in ${redactUrl(remote.url)} matches semver range ${JSON.stringify(ref.semver)}`,
      );
    }
    return resolved(`refs/tags/${tag}`, tag, `tag ${tag}`);
  }
  if (ref.tag !== undefined) return resolved(`refs/tags/${ref.tag}`, ref.tag, `tag ${ref.tag}`);
  const branch = ref.branch ?? defaultBranch;
  return resolved(`refs/heads/${branch}`, branch, `branch ${branch}`);
}

export interface FetchResult {
  /** The fetched objects, in memory. */
  readonly store: GitObjectStore;
  /** Bytes downloaded from the remote. */
  readonly bytes: number;
}

/**
 * Fetches the resolved commit in one upload-pack exchange and reads the pack in memory:
 * depth 1 for a branch, tag or named ref; the branch's history (or every branch's) for a
 * pinned commit, whose presence is then checked. Nothing is written to disk.
 */
export async function fetchCommit(
  remote: RemoteOptions,
  resolved: ResolvedReference,
): Promise<FetchResult> {
  if (isSshUrl(remote.url)) {
    // Over a stateful connection only advertised objects may be wanted: a tag's own object.
    const { pack, bytes } = await fetchPackOverSsh(remote, (refs) =>
      resolved.pinned
        ? { wants: wantedHeads(refs, remote.url, resolved) }
        : { wants: [advertisedTip(refs, resolved)], depth: 1 },
    );
    return { store: storeFromPack(remote, resolved, pack), bytes };
  }
  return withTransport(remote, async (http) => {
    const wants = resolved.pinned
      ? await pinnedWants(http, remote.url, resolved)
      : [resolved.commit];
    const pack = await fetchPackfile(
      http,
      remote.url,
      packRequest(resolved, () => wants),
    );
    return { store: storeFromPack(remote, resolved, pack), bytes: http.bytesReceived() };
  });
}

/** The advertised object whose commit is the resolved one (an annotated tag's own oid). */
function advertisedTip(refs: readonly RemoteRef[], resolved: ResolvedReference): string {
  const tip = refs.find((r) => r.ref === resolved.refName);
  return tip !== undefined && (tip.peeled ?? tip.oid) === resolved.commit
    ? tip.oid
    : resolved.commit;
}

/** Depth 1 for a ref's tip; a pinned commit is reached through branch history. */
function packRequest(resolved: ResolvedReference, pinnedWants: () => string[]): PackRequest {
  return resolved.pinned ? { wants: pinnedWants() } : { wants: [resolved.commit], depth: 1 };
}

/** Reads the pack in memory and checks it holds the resolved commit. */
function storeFromPack(
  remote: RemoteOptions,
  resolved: ResolvedReference,
  pack: Buffer,
): GitObjectStore {
  let store: GitObjectStore;
  try {
    store = GitObjectStore.fromPack(pack, remote.packLimits);
  } catch (error) {
    if (error instanceof PackTooLargeError) {
      throw new GitError('TooLarge', `${redactUrl(remote.url)}: ${error.message}`, {
        cause: error,
      });
    }
    throw new GitError(
      'OperationFailed',
      `${redactUrl(remote.url)}: unreadable packfile: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!store.has(resolved.commit)) {
    const where = resolved.refName === undefined ? '' : ` on ${resolved.refName}`;
    throw new GitError(
      'NotFound',
      `commit ${resolved.commit} not found${where} in ${redactUrl(remote.url)}`,
    );
  }
  return store;
}

/** A pinned commit is reached through the tip of its branch, or of every branch. */
async function pinnedWants(
  http: Transport,
  url: string,
  resolved: ResolvedReference,
): Promise<string[]> {
  return wantedHeads(await git.listServerRefs({ http, url, protocolVersion: 1 }), url, resolved);
}

function wantedHeads(
  refs: readonly RemoteRef[],
  url: string,
  resolved: ResolvedReference,
): string[] {
  const heads = refs.filter((r) =>
    resolved.refName === undefined ? r.ref.startsWith('refs/heads/') : r.ref === resolved.refName,
  );
  if (heads.length === 0) {
    throw new GitError(
      'NotFound',
      `${resolved.refName ?? 'no branch'} not found in ${redactUrl(url)}`,
    );
  }
  return [...new Set(heads.map((r) => r.oid))];
}

/**
 * Checkouts of remote kustomizations: each repository and ref is resolved with one ls-remote,
 * fetched once through @tide/git, and its tree written into a temporary directory that
 * `removeAll()` deletes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GitError,
  checkoutTree,
  fetchCommit,
  listRemoteRefs,
  redactUrl,
  type RemoteOptions,
  type ResolvedReference,
} from '@tide/git';
import { KustomizeError } from '../errors.js';
import type { RepoSpec } from './spec.js';

export interface RemoteFetchOptions {
  /** Bounds each repository's fetch; default: the address's `?timeout=`, else 27 s as in kustomize. */
  readonly timeoutMs?: number;
  /** Refuse a repository download or resource answer over this many bytes (`defaultRemoteMaxBytes`). */
  readonly maxBytes?: number;
  /** Refuse a repository whose objects inflate past this many bytes (`defaultRemoteMaxInflatedBytes`). */
  readonly maxInflatedBytes?: number;
}

/** Remote bases are kustomizations, not monorepos: 32 MiB compressed is generous. */
export const defaultRemoteMaxBytes = 32 * 1024 * 1024;
/** What a remote repository's objects may inflate to in memory before it is written out. */
export const defaultRemoteMaxInflatedBytes = 128 * 1024 * 1024;

/** What the build needs fetched: a repository at a ref, or the answer to an http(s) GET. */
export type RemoteRequest =
  | { readonly kind: 'repository'; readonly spec: RepoSpec }
  | { readonly kind: 'file'; readonly url: string };

/** A remote address the build met before it was fetched. */
export class RemoteNeeded extends Error {
  override readonly name = 'RemoteNeeded';
  constructor(
    readonly request: RemoteRequest,
    /** The address as shown in messages: user info removed. */
    readonly address: string,
    readonly origin: string,
  ) {
    super(`remote resource ${address} is not fetched yet`);
  }
}

/** The answer to a GET of a resource URL: its status (0 when none came) and body. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  /** Why no answer came, when status is 0. */
  readonly error?: string;
}

export class RemoteCheckouts {
  private readonly directories = new Map<string, string>();
  private readonly answers = new Map<string, HttpAnswer>();

  constructor(private readonly options: RemoteFetchOptions) {}

  /** The answer a resource URL gave, if fetched. */
  answerOf(url: string): HttpAnswer | undefined {
    return this.answers.get(url);
  }

  /**
   * GETs a resource URL once, as kustomize does before treating it as a repository; any
   * answer (an error status, no answer at all) is recorded for the build to judge.
   */
  async fetchFile(url: string): Promise<void> {
    if (this.answers.has(url)) return;
    const timeoutMs = this.options.timeoutMs ?? defaultFileTimeoutMs;
    this.answers.set(url, await getBounded(url, timeoutMs, this.maxBytes()));
  }

  private maxBytes(): number {
    return this.options.maxBytes ?? defaultRemoteMaxBytes;
  }

  /** The checked-out directory of a spec's repository and ref, if fetched. */
  directoryOf(spec: RepoSpec): string | undefined {
    return this.directories.get(keyOf(spec));
  }

  /** Fetches the spec's repository at its ref, once per repository and ref. */
  async fetch(spec: RepoSpec, address: string, origin: string): Promise<void> {
    const key = keyOf(spec);
    if (this.directories.has(key)) return;
    if (!/^https?:\/\//i.test(spec.cloneUrl)) {
      throw new KustomizeError(
        `${origin}: remote resource ${redactAddress(address)}: only http and https repositories can be fetched ` +
          `(@tide/git speaks neither SSH nor file://); use the repository's https:// address`,
      );
    }
    const directory = await mkdtemp(join(tmpdir(), 'tide-kustomize-remote-'));
    this.directories.set(key, directory);
    const remote: RemoteOptions = {
      url: spec.cloneUrl,
      timeoutMs: this.options.timeoutMs ?? spec.timeoutMs,
      maxBytes: this.maxBytes(),
      packLimits: {
        maxTotalBytes: this.options.maxInflatedBytes ?? defaultRemoteMaxInflatedBytes,
      },
    };
    try {
      const resolved = await resolveRef(remote, spec.ref);
      const { store } = await fetchCommit(remote, resolved);
      await checkoutTree(store, resolved.commit, directory);
    } catch (error) {
      if (error instanceof KustomizeError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new KustomizeError(
        `${origin}: fetching remote resource ${redactAddress(address)}: ${message}`,
        { cause: error },
      );
    }
  }

  async removeAll(): Promise<void> {
    const directories = [...this.directories.values()];
    this.directories.clear();
    await Promise.all(directories.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** kustomize's bound on git commands, used for single files too. */
const defaultFileTimeoutMs = 27_000;

function keyOf(spec: RepoSpec): string {
  return `${spec.cloneUrl}\u0000${spec.ref}`;
}

/**
 * A remote address safe to show: user info (`x-token:secret@`) removed, whether the address
 * is a URL (`git::` prefixed or not) or an scp-style `user@host:path`, and any query dropped
 * unless `keepQuery` (for messages where `?ref=` says which base is meant).
 */
export function redactAddress(address: string, keepQuery = false): string {
  const shown = keepQuery ? address : address.replace(/[?#].*$/, '');
  const scheme = /^(git::)?[a-z][a-z0-9+.-]*:\/\//i.exec(shown);
  if (scheme === null) return shown.replace(/^[^@/]*@/, '');
  const prefix = scheme[1] ?? '';
  return prefix + redactUrl(shown.slice(prefix.length));
}

/**
 * One GET of a resource URL with no redirect followed (a redirect is reported with the host
 * it names), the body read as a stream and cut off past `maxBytes`, all inside `timeoutMs`.
 */
async function getBounded(url: string, timeoutMs: number, maxBytes: number): Promise<HttpAnswer> {
  const shown = redactAddress(url);
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort();
  }, timeoutMs);
  try {
    const response = await fetch(url, { redirect: 'manual', signal: controller.signal });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      return { status: 0, body: '', error: redirectRefusal(url, response.headers.get('location')) };
    }
    const chunks: Uint8Array[] = [];
    let received = 0;
    // Leaving the loop early cancels the stream: nothing past the cap is read.
    const body = (response.body ?? []) as AsyncIterable<Uint8Array>;
    for await (const chunk of body) {
      received += chunk.length;
      if (received > maxBytes) {
        return {
          status: 0,
          body: '',
          error: `answer from ${shown} exceeds the maxBytes limit of ${maxBytes} bytes`,
        };
      }
      chunks.push(chunk);
    }
    return { status: response.status, body: Buffer.concat(chunks).toString('utf8') };
  } catch (error) {
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    const why = controller.signal.aborted
      ? `timed out after ${timeoutMs}ms`
      : `request failed${typeof code === 'string' ? ` (${code})` : ''}`;
    return { status: 0, body: '', error: `GET ${shown}: ${why}` };
  } finally {
    clearTimeout(timer);
  }
}

function redirectRefusal(url: string, location: string | null): string {
  let host = 'an unnamed location';
  try {
    host = new URL(location ?? '', url).host || host;
  } catch {
    // An unparseable Location names no host.
  }
  return `redirect to ${host} not followed (remote resources are fetched without redirects)`;
}

const commitPattern = /^[0-9a-f]{40}$/i;

/**
 * A ref as `git fetch <url> <ref>` reads it: a full commit, else the first of `<ref>`,
 * `refs/<ref>`, `refs/tags/<ref>`, `refs/heads/<ref>` the remote has; no ref is its HEAD.
 */
async function resolveRef(remote: RemoteOptions, ref: string): Promise<ResolvedReference> {
  if (commitPattern.test(ref)) {
    const commit = ref.toLowerCase();
    return { commit, revision: `sha1:${commit}`, pinned: true };
  }
  const refs = await listRemoteRefs(remote);
  const candidates =
    ref === '' ? ['HEAD'] : [ref, `refs/${ref}`, `refs/tags/${ref}`, `refs/heads/${ref}`];
  for (const name of candidates) {
    const found = refs.find((entry) => entry.ref === name);
    if (found !== undefined) {
      const commit = found.peeled ?? found.oid;
      return { refName: name, commit, revision: `${ref || 'HEAD'}@sha1:${commit}`, pinned: false };
    }
  }
  throw new GitError('NotFound', `ref ${ref || 'HEAD'} not found in ${redactUrl(remote.url)}`);
}

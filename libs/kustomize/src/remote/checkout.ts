/**
 * Checkouts of remote kustomizations: each repository and ref is resolved with one ls-remote,
 * fetched once through @tide/git, and its tree written into a temporary directory that
 * `removeAll()` deletes.
 */
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import {
  GitError,
  fetchCommit,
  listRemoteRefs,
  type RemoteOptions,
  type ResolvedReference,
} from '@tide/git';
import { KustomizeError } from '../errors.js';
import type { RepoSpec } from './spec.js';

export interface RemoteFetchOptions {
  /** Bounds each repository's fetch; default: the address's `?timeout=`, else 27 s as in kustomize. */
  readonly timeoutMs?: number;
  /** Refuse a repository whose download exceeds this many bytes. */
  readonly maxBytes?: number;
}

/** What the build needs fetched: a repository at a ref, or the answer to an http(s) GET. */
export type RemoteRequest =
  | { readonly kind: 'repository'; readonly spec: RepoSpec }
  | { readonly kind: 'file'; readonly url: string };

/** A remote address the build met before it was fetched. */
export class RemoteNeeded extends Error {
  override readonly name = 'RemoteNeeded';
  constructor(
    readonly request: RemoteRequest,
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
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      const bytes = Buffer.from(await response.arrayBuffer());
      if (this.options.maxBytes !== undefined && bytes.length > this.options.maxBytes) {
        this.answers.set(url, {
          status: 0,
          body: '',
          error: `answer exceeds ${this.options.maxBytes} bytes`,
        });
        return;
      }
      this.answers.set(url, { status: response.status, body: bytes.toString('utf8') });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.answers.set(url, { status: 0, body: '', error: message });
    }
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
        `${origin}: remote resource ${address}: only http and https repositories can be fetched ` +
          `(@tide/git speaks neither SSH nor file://); use the repository's https:// address`,
      );
    }
    const directory = await mkdtemp(join(tmpdir(), 'tide-kustomize-remote-'));
    this.directories.set(key, directory);
    const remote: RemoteOptions = {
      url: spec.cloneUrl,
      timeoutMs: this.options.timeoutMs ?? spec.timeoutMs,
      ...(this.options.maxBytes === undefined ? {} : { maxBytes: this.options.maxBytes }),
    };
    try {
      const resolved = await resolveRef(remote, spec.ref);
      const { store } = await fetchCommit(remote, resolved);
      for (const file of await store.listTree(resolved.commit)) {
        const target = safeJoin(directory, file.path);
        await mkdir(dirname(target), { recursive: true });
        const bytes = await store.readBlob(file.oid);
        if (file.type === 'symlink') await symlink(bytes.toString('utf8'), target);
        else await writeFile(target, bytes, { mode: file.type === 'executable' ? 0o755 : 0o644 });
      }
    } catch (error) {
      if (error instanceof KustomizeError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new KustomizeError(`${origin}: fetching remote resource ${address}: ${message}`, {
        cause: error,
      });
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

/** A tree path placed under the checkout, refusing one that would leave it. */
function safeJoin(directory: string, path: string): string {
  const normalized = posix.normalize(path);
  if (normalized.startsWith('../') || normalized === '..' || posix.isAbsolute(normalized)) {
    throw new GitError('OperationFailed', `tree entry ${JSON.stringify(path)} leaves the checkout`);
  }
  return join(directory, normalized);
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
  throw new GitError('NotFound', `ref ${ref || 'HEAD'} not found in ${remote.url}`);
}

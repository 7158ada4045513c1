import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConditionReason } from '@tide/api';
import { messageOf } from '@tide/kube';
import { GenericError } from '@tide/runtime';
import { fetchSource, type ResolvedSource } from './source.js';

/**
 * Extracted artifacts shared by every Kustomization that builds from the same one. Many
 * Kustomizations usually point at one GitRepository; each reconcile used to download and
 * extract the whole artifact again. Here an artifact is fetched and extracted once per
 * digest, reconciles build from the shared tree (never writing into it: the top-level
 * kustomization is given to the engine in memory), and trees nobody uses are dropped when
 * more than `keepIdle` of them are kept.
 */

export interface ArtifactLease {
  /** The directory the artifact is extracted into. Read only. */
  readonly root: string;
  /** Hands the tree back; it may be removed once nobody holds it. */
  release(): void;
}

export interface ArtifactCacheOptions {
  /** Where the cache directory is made; the OS temp directory when omitted. */
  readonly workDir?: string | undefined;
  readonly retries: number;
  /** How many extracted trees nobody holds are kept for the next reconcile; 8 by default. */
  readonly keepIdle?: number;
}

interface Entry {
  readonly ready: Promise<string>;
  /** Ends the download once every reconcile waiting for it has given up. */
  readonly download: AbortController;
  waiting: number;
  users: number;
  lastUsed: number;
}

export class ArtifactCache {
  private readonly entries = new Map<string, Entry>();
  private base: Promise<string> | undefined;
  private closed = false;

  constructor(private readonly options: ArtifactCacheOptions) {}

  /**
   * The extracted tree of the source's artifact, fetched and verified on first use. Two
   * reconciles asking at once share one download; a failed download is not kept. `signal`
   * (the reconcile's deadline) ends this caller's wait, and the download itself once no
   * other reconcile waits for it.
   */
  async acquire(source: ResolvedSource, signal?: AbortSignal): Promise<ArtifactLease> {
    const key = source.artifact.digest ?? source.artifact.url;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      const download = new AbortController();
      const created: Entry = {
        ready: this.extract(source, download.signal),
        download,
        waiting: 0,
        users: 0,
        lastUsed: Date.now(),
      };
      created.ready.catch(() => {
        if (this.entries.get(key) === created) this.entries.delete(key);
      });
      this.entries.set(key, created);
      entry = created;
    }
    const held = entry;
    held.users += 1;
    let root: string;
    try {
      root = await waitFor(held, source, signal);
    } catch (error) {
      held.users -= 1;
      throw error;
    }
    let released = false;
    return {
      root,
      release: () => {
        if (released) return;
        released = true;
        held.users -= 1;
        held.lastUsed = Date.now();
        this.evict();
      },
    };
  }

  /** How many trees are extracted now (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  /** Removes every tree; later acquires fail. */
  async close(): Promise<void> {
    this.closed = true;
    this.entries.clear();
    const base = await this.base?.catch(() => undefined);
    if (base !== undefined) await rm(base, { recursive: true, force: true });
  }

  private async extract(source: ResolvedSource, signal: AbortSignal): Promise<string> {
    if (this.closed) throw new Error('artifact cache is closed');
    this.base ??= this.makeBase();
    return fetchSource(source, {
      retries: this.options.retries,
      workDir: await this.base,
      signal,
    });
  }

  private async makeBase(): Promise<string> {
    const parent = this.options.workDir ?? tmpdir();
    await mkdir(parent, { recursive: true });
    return mkdtemp(join(parent, 'tide-artifacts-'));
  }

  /** Drops the least recently used idle trees beyond `keepIdle`. */
  private evict(): void {
    const idle = [...this.entries.entries()]
      .filter(([, entry]) => entry.users === 0)
      .sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    const excess = idle.length - (this.options.keepIdle ?? 8);
    for (const [key, entry] of idle.slice(0, Math.max(0, excess))) {
      this.entries.delete(key);
      void entry.ready.then(
        (root) => rm(root, { recursive: true, force: true }),
        () => undefined,
      );
    }
  }
}

/** The entry's tree, or the caller's signal's reason as ArtifactFailed, whichever is first. */
function waitFor(entry: Entry, source: ResolvedSource, signal?: AbortSignal): Promise<string> {
  if (signal === undefined) {
    // A caller without a deadline keeps the download going for as long as it takes.
    entry.waiting += 1;
    const release = () => {
      entry.waiting -= 1;
    };
    entry.ready.then(release, release);
    return entry.ready;
  }
  const gaveUp = () =>
    new GenericError(
      ConditionReason.ArtifactFailed,
      `fetching artifact of ${source.display} (revision '${source.artifact.revision}'): ${messageOf(signal.reason)}`,
      { cause: signal.reason },
    );
  if (signal.aborted) return Promise.reject(gaveUp());
  entry.waiting += 1;
  return new Promise<string>((resolve, reject) => {
    let done = false;
    const settle = (): boolean => {
      if (done) return false;
      done = true;
      entry.waiting -= 1;
      signal.removeEventListener('abort', onAbort);
      return true;
    };
    const onAbort = () => {
      if (!settle()) return;
      if (entry.waiting === 0) entry.download.abort(signal.reason);
      reject(gaveUp());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    entry.ready.then(
      (root) => {
        if (settle()) resolve(root);
      },
      (error: unknown) => {
        if (settle()) reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConditionReason } from '@tide/api';
import { messageOf } from '@tide/kube';
import { GenericError } from '@tide/runtime';
import type { ArtifactHost } from './artifact-hosts.js';
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
  /** `--artifact-hosts`: URLs on other hosts are refused; any host when omitted. */
  readonly artifactHosts?: readonly ArtifactHost[] | undefined;
  /** Told when removing an evicted tree fails; a process warning by default. */
  readonly onRemoveError?: (root: string, error: unknown) => void;
}

/** The cache key of an artifact: where it comes from and what it must hash to. */
export function artifactCacheKey(source: ResolvedSource): string {
  return JSON.stringify([source.artifact.url, source.artifact.digest ?? null]);
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
  /** Evicted trees being removed; close() waits for them. */
  private readonly removals = new Set<Promise<void>>();
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
    const key = artifactCacheKey(source);
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
    await Promise.all([...this.removals]);
    const base = await this.base?.catch(() => undefined);
    if (base !== undefined) await rm(base, { recursive: true, force: true });
  }

  private async extract(source: ResolvedSource, signal: AbortSignal): Promise<string> {
    if (this.closed) throw new Error('artifact cache is closed');
    this.base ??= this.makeBase();
    return fetchSource(source, {
      retries: this.options.retries,
      workDir: await this.base,
      artifactHosts: this.options.artifactHosts,
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
      // A failed extraction left no tree; a tree that cannot be removed is reported.
      const removal: Promise<void> = entry.ready
        .then(
          (root) => this.remove(root),
          () => undefined,
        )
        .finally(() => {
          this.removals.delete(removal);
        });
      this.removals.add(removal);
    }
  }

  private async remove(root: string): Promise<void> {
    try {
      await rm(root, { recursive: true, force: true });
    } catch (error) {
      const report = this.options.onRemoveError ?? warnRemoveFailed;
      report(root, error);
    }
  }
}

function warnRemoveFailed(root: string, error: unknown): void {
  process.emitWarning(
    `removing the evicted artifact tree ${root} failed: ${error instanceof Error ? error.message : String(error)}`,
    'ArtifactCacheWarning',
  );
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

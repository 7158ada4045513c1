import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, realpath, rm } from 'node:fs/promises';
import { isAbsolute, join, normalize, resolve as resolvePath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Parser, Unpack, type ReadEntry } from 'tar';
import { parseDigest } from './digest.js';
import { ArtifactFetchError, download, downloadToFile, type DownloadOptions } from './download.js';
import {
  UnsafeArchiveError,
  defaultArchiveLimits,
  entryCounter,
  gunzipInto,
  type ArchiveInput,
  type ArchiveLimits,
} from './read.js';
import { isInsideRoot } from './paths.js';
import { redactUrl } from './url.js';
import { LinkTable, escapingLinks } from './tree.js';

export { UnsafeArchiveError };

export interface FetchArtifactOptions {
  readonly url: string;
  /** The `sha256:<hex>` the bytes must have. */
  readonly digest: string;
  /** Refuse artifacts larger than this many bytes. */
  readonly maxSize?: number;
  /** Per-attempt timeout. */
  readonly timeoutMs?: number;
  /** Further attempts after a network error or a 5xx answer. */
  readonly retries?: number;
  /**
   * The caller's deadline: ends the attempt in flight and the backoff between attempts, so
   * attempts × retries never outlast it. Rejects with the signal's reason.
   */
  readonly signal?: AbortSignal;
}

const defaultMaxSize = 256 * 1024 * 1024;

/**
 * Downloads an artifact, enforcing the size limit while reading, and verifies its digest.
 * Network errors and 5xx answers are retried with backoff; 404, size and digest errors are
 * final for that URL.
 */
export async function fetchArtifact(options: FetchArtifactOptions): Promise<Buffer> {
  const expected = parseDigest(options.digest);
  return withRetries(options, async (downloadOptions) => {
    const bytes = await download(options.url, downloadOptions);
    checkDigest(options.url, expected.hex, createHash('sha256').update(bytes).digest('hex'));
    return bytes;
  });
}

/**
 * `fetchArtifact` into the file `path` rather than memory: the artifact is hashed while it
 * is written, so a large one costs one chunk of memory. The file is removed when the
 * download or the digest fails.
 */
export async function fetchArtifactToFile(
  options: FetchArtifactOptions & { readonly path: string },
): Promise<void> {
  const expected = parseDigest(options.digest);
  await withRetries(options, async (downloadOptions) => {
    const written = await downloadToFile(options.url, options.path, downloadOptions);
    try {
      checkDigest(options.url, expected.hex, written.sha256);
    } catch (error) {
      await rm(options.path, { force: true });
      throw error;
    }
  });
}

/** One attempt after another, with backoff, while the failure is a network error or a 5xx. */
async function withRetries<T>(
  options: FetchArtifactOptions,
  attempt: (downloadOptions: DownloadOptions) => Promise<T>,
): Promise<T> {
  const retries = options.retries ?? 3;
  const { signal } = options;
  const downloadOptions: DownloadOptions = {
    maxSize: options.maxSize ?? defaultMaxSize,
    timeoutMs: options.timeoutMs ?? 60_000,
    ...(signal === undefined ? {} : { signal }),
  };
  for (let tries = 0; ; tries++) {
    signal?.throwIfAborted();
    try {
      return await attempt(downloadOptions).catch((error: unknown) => {
        throw error instanceof ArtifactFetchError && error.reason !== 'DigestMismatch'
          ? withArtifactPrefix(error)
          : error;
      });
    } catch (error) {
      signal?.throwIfAborted();
      const retriable =
        error instanceof ArtifactFetchError &&
        (error.reason === 'Unreachable' || error.reason === 'HTTPError');
      if (!retriable || tries >= retries) throw error;
      await sleep(Math.min(250 * 2 ** tries, 4000), undefined, { signal }).catch(() => {
        signal?.throwIfAborted();
      });
    }
  }
}

function checkDigest(url: string, expectedHex: string, actualHex: string): void {
  if (actualHex === expectedHex) return;
  throw new ArtifactFetchError(
    'DigestMismatch',
    `artifact ${redactUrl(url)}: digest mismatch: want sha256:${expectedHex}, got sha256:${actualHex}`,
  );
}

/** Consumers' messages say what the URL is: `artifact <url>: ...`. */
function withArtifactPrefix(error: ArtifactFetchError): ArtifactFetchError {
  return new ArtifactFetchError(error.reason, `artifact ${error.message}`, { cause: error.cause });
}

function causeOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

/**
 * Extracts a tar.gz into `dir` (created if missing). Every entry must stay inside `dir`: an
 * absolute path, a `..` segment, a link whose target leaves `dir` (alone or through a chain of
 * the archive's own symlinks), a hardlink through a symlink, a device/FIFO entry, or an archive
 * past its limits rejects the whole archive with UnsafeArchiveError before anything is
 * written. After extraction every symlink is resolved again against the real filesystem;
 * one that leads outside removes what was extracted and fails.
 */
export async function extractTarball(
  archive: ArchiveInput,
  dir: string,
  limits: ArchiveLimits = {},
): Promise<void> {
  const bounds = { ...defaultArchiveLimits, ...limits };
  const root = resolvePath(dir);
  await scanArchive(archive, root, bounds);
  const created = !existsSync(root);
  await mkdir(root, { recursive: true });
  const unpack = new Unpack({ cwd: root, strict: true, preserveOwner: false });
  const done = new Promise<void>((resolve, reject) => {
    unpack.on('error', reject);
    unpack.on('close', resolve);
  });
  await Promise.all([gunzipInto(archive, bounds.maxUncompressedBytes, unpack), done]);
  const physicalRoot = await realpath(root);
  const escapes = await escapingLinks(physicalRoot);
  if (escapes.length > 0) {
    if (created) await rm(root, { recursive: true, force: true });
    throw new UnsafeArchiveError(
      `unsafe archive: ${escapes.slice(0, 5).join('; ')}: symbolic link resolves outside the target directory`,
    );
  }
}

const allowedTypes = new Set([
  'File',
  'OldFile',
  'ContiguousFile',
  'Directory',
  'SymbolicLink',
  'Link',
]);

/** Reads every header first, so a bad entry late in the archive writes nothing. */
async function scanArchive(
  archive: ArchiveInput,
  root: string,
  limits: Required<ArchiveLimits>,
): Promise<void> {
  const problems: string[] = [];
  const links = new LinkTable();
  const countEntry = entryCounter(limits.maxEntries);
  let tooMany: UnsafeArchiveError | undefined;
  const check = (entry: ReadEntry): void => {
    entry.resume();
    try {
      countEntry();
    } catch (error) {
      tooMany ??= error as UnsafeArchiveError;
      return;
    }
    const path = entry.path;
    if (!allowedTypes.has(entry.type))
      problems.push(`${path}: entries of type ${entry.type} are not allowed`);
    if (isAbsolute(path) || /^[a-zA-Z]:/.test(path)) problems.push(`${path}: absolute path`);
    if (path.split(/[\\/]/).includes('..')) problems.push(`${path}: path contains '..'`);
    const target = join(root, path);
    if (!isInsideRoot(root, normalize(target)))
      problems.push(`${path}: leaves the target directory`);
    // Resolved against the links the archive itself creates, the way the kernel will.
    const why = links.add(path, entry.type, entry.linkpath);
    if (why !== undefined) problems.push(`${path}: ${why}`);
  };
  const parser = new Parser({ strict: true, onReadEntry: check });
  const parsed = new Promise<void>((resolve, reject) => {
    parser.on('error', reject);
    parser.on('end', resolve);
  });
  await Promise.all([gunzipInto(archive, limits.maxUncompressedBytes, parser), parsed]).catch(
    (error: unknown) => {
      if (error instanceof UnsafeArchiveError) throw error;
      throw new UnsafeArchiveError(`invalid archive: ${causeOf(error)}`, { cause: error });
    },
  );
  if (tooMany !== undefined) throw tooMany;
  problems.push(...links.problems());
  if (problems.length > 0) {
    throw new UnsafeArchiveError(
      `unsafe archive, nothing extracted: ${problems.slice(0, 5).join('; ')}`,
    );
  }
}

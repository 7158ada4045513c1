import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import {
  isAbsolute,
  join,
  normalize,
  relative,
  resolve as resolvePath,
  dirname,
  sep,
} from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Parser, x as extract, type ReadEntry } from 'tar';
import { parseDigest } from './digest.js';
import { ArtifactFetchError, download } from './download.js';

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
}

const defaultMaxSize = 256 * 1024 * 1024;

/**
 * Downloads an artifact, enforcing the size limit while reading, and verifies its digest.
 * Network errors and 5xx answers are retried with backoff; 404, size and digest errors are
 * final for that URL.
 */
export async function fetchArtifact(options: FetchArtifactOptions): Promise<Buffer> {
  const expected = parseDigest(options.digest);
  const retries = options.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    try {
      const bytes = await download(options.url, {
        maxSize: options.maxSize ?? defaultMaxSize,
        timeoutMs: options.timeoutMs ?? 60_000,
      }).catch((error: unknown) => {
        throw error instanceof ArtifactFetchError ? withArtifactPrefix(error) : error;
      });
      const actual = createHash('sha256').update(bytes).digest('hex');
      if (actual !== expected.hex) {
        throw new ArtifactFetchError(
          'DigestMismatch',
          `artifact ${options.url}: digest mismatch: want sha256:${expected.hex}, got sha256:${actual}`,
        );
      }
      return bytes;
    } catch (error) {
      const retriable =
        error instanceof ArtifactFetchError &&
        (error.reason === 'Unreachable' || error.reason === 'HTTPError');
      if (!retriable || attempt >= retries) throw error;
      await sleep(Math.min(250 * 2 ** attempt, 4000));
    }
  }
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

export class UnsafeArchiveError extends Error {
  override readonly name = 'UnsafeArchiveError';
}

/**
 * Extracts a tar.gz into `dir` (created if missing). Every entry must stay inside `dir`: an
 * absolute path, a `..` segment, a link whose target leaves `dir`, or a device/FIFO entry
 * rejects the whole archive with UnsafeArchiveError before anything is written.
 */
export async function extractTarball(archive: Buffer, dir: string): Promise<void> {
  const root = resolvePath(dir);
  await scanArchive(archive, root);
  await mkdir(root, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const unpack = extract({ cwd: root, strict: true, preserveOwner: false });
    unpack.on('error', reject);
    unpack.on('close', resolve);
    unpack.end(archive);
  });
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
async function scanArchive(archive: Buffer, root: string): Promise<void> {
  const problems: string[] = [];
  const check = (entry: ReadEntry): void => {
    const path = entry.path;
    if (!allowedTypes.has(entry.type))
      problems.push(`${path}: entries of type ${entry.type} are not allowed`);
    if (isAbsolute(path) || /^[a-zA-Z]:/.test(path)) problems.push(`${path}: absolute path`);
    if (path.split(/[\\/]/).includes('..')) problems.push(`${path}: path contains '..'`);
    const target = join(root, path);
    if (!isInside(root, target)) problems.push(`${path}: leaves the target directory`);
    if ((entry.type === 'SymbolicLink' || entry.type === 'Link') && entry.linkpath !== undefined) {
      const base = entry.type === 'SymbolicLink' ? dirname(target) : root;
      const linkTarget = isAbsolute(entry.linkpath)
        ? entry.linkpath
        : resolvePath(base, entry.linkpath);
      if (!isInside(root, linkTarget))
        problems.push(`${path}: link to ${entry.linkpath} leaves the target directory`);
    }
    entry.resume();
  };
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({ strict: true, onReadEntry: check });
    parser.on('error', reject);
    parser.on('end', resolve);
    parser.end(archive);
  }).catch((error: unknown) => {
    throw new UnsafeArchiveError(`invalid archive: ${causeOf(error)}`, { cause: error });
  });
  if (problems.length > 0) {
    throw new UnsafeArchiveError(
      `unsafe archive, nothing extracted: ${problems.slice(0, 5).join('; ')}`,
    );
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, normalize(path));
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

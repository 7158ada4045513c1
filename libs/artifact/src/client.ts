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

/** Why fetching an artifact failed; each reason is a condition message a person can act on. */
export type ArtifactFetchReason =
  'NotFound' | 'DigestMismatch' | 'TooLarge' | 'Unreachable' | 'HTTPError' | 'Invalid';

export class ArtifactFetchError extends Error {
  override readonly name = 'ArtifactFetchError';
  constructor(
    readonly reason: ArtifactFetchReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

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
      const bytes = await download(options);
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

async function download(options: FetchArtifactOptions): Promise<Buffer> {
  const maxSize = options.maxSize ?? defaultMaxSize;
  let response: Response;
  try {
    response = await fetch(options.url, {
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
  } catch (error) {
    throw new ArtifactFetchError('Unreachable', `artifact ${options.url}: ${causeOf(error)}`, {
      cause: error,
    });
  }
  if (response.status === 404) {
    await response.body?.cancel();
    throw new ArtifactFetchError('NotFound', `artifact ${options.url}: not found (HTTP 404)`);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    const reason = response.status >= 500 ? 'HTTPError' : 'Invalid';
    throw new ArtifactFetchError(reason, `artifact ${options.url}: HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxSize) {
    await response.body?.cancel();
    throw tooLarge(options.url, maxSize);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body === null) return Buffer.alloc(0);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      size += read.value.length;
      if (size > maxSize) {
        await reader.cancel();
        throw tooLarge(options.url, maxSize);
      }
      chunks.push(read.value);
    }
  } catch (error) {
    if (error instanceof ArtifactFetchError) throw error;
    throw new ArtifactFetchError('Unreachable', `artifact ${options.url}: ${causeOf(error)}`, {
      cause: error,
    });
  }
  return Buffer.concat(chunks);
}

function tooLarge(url: string, maxSize: number): ArtifactFetchError {
  return new ArtifactFetchError(
    'TooLarge',
    `artifact ${url}: larger than the limit of ${maxSize} bytes`,
  );
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

import { createReadStream } from 'node:fs';
import { createGunzip, gunzipSync } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { normalizeEntryPath, type TarEntry } from './tarball.js';

/** An archive refused before anything of it is used: unsafe paths or links, or a bomb. */
export class UnsafeArchiveError extends Error {
  override readonly name: string = 'UnsafeArchiveError';
}

/** Bounds on what one archive may expand to, checked while it is decompressed and read. */
export interface ArchiveLimits {
  /** Bytes of the decompressed tar stream (headers, contents and padding). */
  readonly maxUncompressedBytes?: number;
  /** Entries of the tar stream, of every type. */
  readonly maxEntries?: number;
}

/**
 * Defaults sized for artifacts held in memory or written to the pod's `/tmp`: a quarter of
 * the controller heap, and far more entries than any real repository has.
 */
export const defaultArchiveLimits: Required<ArchiveLimits> = {
  maxUncompressedBytes: 192 * 1024 * 1024,
  maxEntries: 100_000,
};

/** An archive refused because it expands past one of its limits (a decompression bomb). */
export class ArchiveTooLargeError extends UnsafeArchiveError {
  override readonly name = 'ArchiveTooLargeError';
  constructor(
    readonly limit: keyof ArchiveLimits,
    readonly value: number,
  ) {
    super(
      limit === 'maxEntries'
        ? `archive has more than the maxEntries limit of ${value} entries`
        : `archive expands past the maxUncompressedBytes limit of ${value} bytes`,
    );
  }
}

/**
 * Decompresses a gzip buffer whole, with zlib's output capped at `maxBytes`, so a bomb stops
 * at the cap instead of at the end of memory. `notGzip` builds the error for a bad stream.
 */
export function gunzipBounded(
  archive: Buffer,
  maxBytes: number,
  notGzip: (error: unknown) => Error,
): Buffer {
  try {
    return gunzipSync(archive, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new ArchiveTooLargeError('maxUncompressedBytes', maxBytes);
    throw notGzip(error);
  }
}

/** A tar-stream sink: tar's Parser and Unpack both take writes and an end. */
interface TarSink {
  write(chunk: Buffer): boolean;
  end(): unknown;
  once(event: 'drain', listener: () => void): unknown;
}

/** A tar.gz in memory, or in a file (read as it is decompressed). */
export type ArchiveInput = Buffer | { readonly file: string };

/**
 * Streams a gzip archive into `sink`, counting decompressed bytes: past `maxBytes` the stream
 * is stopped and ArchiveTooLargeError thrown. Memory stays at zlib's window plus one chunk
 * (plus the archive itself when it is given in memory).
 */
export async function gunzipInto(
  archive: ArchiveInput,
  maxBytes: number,
  sink: TarSink,
): Promise<void> {
  const gunzip = createGunzip();
  const file = Buffer.isBuffer(archive) ? undefined : createReadStream(archive.file);
  if (file === undefined) gunzip.end(archive);
  else {
    file.on('error', (error) => gunzip.destroy(error));
    file.pipe(gunzip);
  }
  let total = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) throw new ArchiveTooLargeError('maxUncompressedBytes', maxBytes);
      if (!sink.write(chunk)) await new Promise<void>((resolve) => sink.once('drain', resolve));
    }
  } finally {
    file?.destroy();
    gunzip.destroy();
  }
  sink.end();
}

/** Counts entries as they are read, throwing past the limit. */
export function entryCounter(maxEntries: number): () => void {
  let count = 0;
  return () => {
    if (++count > maxEntries) throw new ArchiveTooLargeError('maxEntries', maxEntries);
  };
}

/**
 * Reads the files and symlinks of a tar.gz into memory (directories are implied by paths).
 * Entries that would leave the archive root are refused, as extraction refuses them; an
 * archive past its limits is refused with ArchiveTooLargeError.
 */
export async function readTarball(
  archive: Buffer,
  limits: ArchiveLimits = {},
): Promise<TarEntry[]> {
  const { maxUncompressedBytes, maxEntries } = { ...defaultArchiveLimits, ...limits };
  const tar = gunzipBounded(
    archive,
    maxUncompressedBytes,
    (error) => new UnsafeArchiveError('invalid archive: not gzip-compressed', { cause: error }),
  );
  const entries: TarEntry[] = [];
  const problems: string[] = [];
  const countEntry = entryCounter(maxEntries);
  let tooMany: ArchiveTooLargeError | undefined;
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        try {
          countEntry();
        } catch (error) {
          tooMany ??= error as ArchiveTooLargeError;
          entry.resume();
          return;
        }
        let path: string;
        try {
          path = normalizeEntryPath(entry.path);
        } catch {
          problems.push(`${entry.path}: not a relative path inside the archive`);
          entry.resume();
          return;
        }
        if (entry.type === 'SymbolicLink') {
          entries.push({ path, type: 'symlink', target: entry.linkpath ?? '' });
          entry.resume();
          return;
        }
        if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        const executable = ((entry.mode ?? 0) & 0o111) !== 0;
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () =>
          entries.push({ path, type: 'file', content: Buffer.concat(chunks), executable }),
        );
      },
    });
    parser.on('error', reject);
    parser.on('end', resolve);
    parser.end(tar);
  }).catch((error: unknown) => {
    throw new UnsafeArchiveError(
      `invalid archive: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  });
  if (tooMany !== undefined) throw tooMany;
  if (problems.length > 0)
    throw new UnsafeArchiveError(`unsafe archive: ${problems.slice(0, 5).join('; ')}`);
  return entries;
}

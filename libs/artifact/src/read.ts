import { gunzipSync } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { normalizeEntryPath, type TarEntry } from './tarball.js';
import { UnsafeArchiveError } from './client.js';

/**
 * Reads the files and symlinks of a tar.gz into memory (directories are implied by paths).
 * Entries that would leave the archive root are refused, as extraction refuses them.
 */
export async function readTarball(archive: Buffer): Promise<TarEntry[]> {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive);
  } catch (error) {
    throw new UnsafeArchiveError('invalid archive: not gzip-compressed', { cause: error });
  }
  const entries: TarEntry[] = [];
  const problems: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
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
  if (problems.length > 0)
    throw new UnsafeArchiveError(`unsafe archive: ${problems.slice(0, 5).join('; ')}`);
  return entries;
}

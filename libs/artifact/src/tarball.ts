import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { LinkTable } from './tree.js';

/** One entry of an artifact tarball. Paths are relative, `/`-separated, never `..`. */
export type TarEntry =
  | {
      readonly path: string;
      readonly type: 'file';
      readonly content: Uint8Array;
      readonly executable?: boolean;
    }
  | { readonly path: string; readonly type: 'symlink'; readonly target: string };

const block = 512;
/** Every entry carries this mtime so the same tree always gives the same bytes. */
const fixedMtime = 0;

export interface TarOptions {
  /**
   * Keep the entries in the order given and write no directory entries (the layout
   * `helm package` produces); by default entries are sorted and parent directories added.
   */
  readonly asGiven?: boolean;
}

/**
 * Writes a deterministic gzip-compressed tar: entries sorted by path, parent directories
 * added, modes normalized (0644 files, 0755 executables and directories), owner 0:0 with no
 * names, a fixed mtime, PAX headers only for paths longer than ustar can hold.
 */
export function buildTarball(entries: readonly TarEntry[], options: TarOptions = {}): Buffer {
  return gzipSync(buildTar(entries, options), tarballGzipOptions);
}

/** The gzip settings of every tarball, streamed or not, so both give the same bytes. */
export const tarballGzipOptions = { level: 6 } as const;

/**
 * The same bytes as `buildTarball`, written to `sink` as they are produced: no whole tar or
 * gzip buffer is held, which matters for large repositories.
 */
export async function writeTarball(
  entries: readonly TarEntry[],
  sink: Writable,
  options: TarOptions = {},
): Promise<void> {
  await pipeline(Readable.from(tarChunks(entries, options)), createGzip(tarballGzipOptions), sink);
}

export function buildTar(entries: readonly TarEntry[], options: TarOptions = {}): Buffer {
  return Buffer.concat([...tarChunks(entries, options)]);
}

/** The tar stream, block by block: headers, contents and padding, then the end blocks. */
function* tarChunks(entries: readonly TarEntry[], options: TarOptions): Generator<Buffer> {
  const byPath = new Map<string, TarEntry>();
  for (const entry of entries) {
    const path = normalizeEntryPath(entry.path);
    if (byPath.has(path)) throw new Error(`duplicate tarball entry ${path}`);
    byPath.set(path, { ...entry, path });
  }
  refuseEscapingLinks(byPath.values());
  const directories = new Set<string>();
  for (const path of options.asGiven === true ? [] : byPath.keys()) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) directories.add(parts.slice(0, i).join('/'));
  }
  const names =
    options.asGiven === true
      ? [...byPath.keys()]
      : [...new Set([...byPath.keys(), ...directories])].sort(comparePaths);
  for (const name of names) {
    const entry = byPath.get(name);
    if (entry === undefined) {
      yield* headerBlocks({ name: `${name}/`, mode: 0o755, size: 0, type: '5', linkname: '' });
    } else if (entry.type === 'symlink') {
      yield* headerBlocks({ name, mode: 0o777, size: 0, type: '2', linkname: entry.target });
    } else {
      const mode = entry.executable === true ? 0o755 : 0o644;
      yield* headerBlocks({ name, mode, size: entry.content.length, type: '0', linkname: '' });
      yield Buffer.from(entry.content.buffer, entry.content.byteOffset, entry.content.length);
      const pad = (block - (entry.content.length % block)) % block;
      if (pad > 0) yield Buffer.alloc(pad);
    }
  }
  yield Buffer.alloc(block * 2);
}

/** A tarball refused because one of its symlinks would lead outside the tree. */
export class UnsafeTarballEntryError extends Error {
  override readonly name = 'UnsafeTarballEntryError';
}

/**
 * An artifact never carries a link out of its own tree: each symlink is resolved through
 * the tree's other links (a chain included), and an absolute or escaping one is refused,
 * since every consumer would refuse the artifact anyway.
 */
function refuseEscapingLinks(entries: Iterable<TarEntry>): void {
  const table = new LinkTable();
  const problems: string[] = [];
  for (const entry of entries) {
    const why = table.add(
      entry.path,
      entry.type === 'symlink' ? 'SymbolicLink' : 'File',
      entry.type === 'symlink' ? entry.target : undefined,
    );
    if (why !== undefined) problems.push(`${entry.path}: ${why}`);
  }
  problems.push(...table.problems());
  if (problems.length > 0)
    throw new UnsafeTarballEntryError(`refusing to archive: ${problems.slice(0, 5).join('; ')}`);
}

/** Byte-wise order of UTF-8 paths, the same on every machine and locale. */
function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function normalizeEntryPath(path: string): string {
  const normalized = path.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
  const parts = normalized.split('/');
  if (
    normalized === '' ||
    normalized.startsWith('/') ||
    parts.some((p) => p === '..' || p === '.' || p === '')
  ) {
    throw new Error(
      `invalid tarball entry path ${JSON.stringify(path)}: must be relative with no '.' or '..'`,
    );
  }
  return normalized;
}

interface Header {
  readonly name: string;
  readonly mode: number;
  readonly size: number;
  readonly type: '0' | '2' | '5' | 'x';
  readonly linkname: string;
}

function headerBlocks(header: Header): Buffer[] {
  const { name, linkname } = header;
  const split = splitUstarName(name);
  const needsPax = split === undefined || Buffer.byteLength(linkname) > 100;
  if (!needsPax) return [ustarHeader({ ...header, ...split })];
  const records: Record<string, string> = { path: name };
  if (Buffer.byteLength(linkname) > 100) records.linkpath = linkname;
  const pax = paxBody(records);
  const paxHeader = ustarHeader({
    name: 'PaxHeader',
    prefix: '',
    mode: 0o644,
    size: pax.length,
    type: 'x',
    linkname: '',
  });
  const pad = (block - (pax.length % block)) % block;
  const truncated = { name: name.slice(-100).replace(/^\/+/, ''), prefix: '' };
  return [
    paxHeader,
    pax,
    Buffer.alloc(pad),
    ustarHeader({ ...header, ...truncated, linkname: linkname.slice(0, 100) }),
  ];
}

/** ustar keeps up to 155 bytes of directories in `prefix` and 100 bytes of name. */
function splitUstarName(path: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '')
      return { name, prefix };
  }
  return undefined;
}

function paxBody(records: Record<string, string>): Buffer {
  const lines = Object.entries(records).map(([key, value]) => {
    const body = ` ${key}=${value}\n`;
    // The length prefix counts itself, so find the fixed point.
    let length = Buffer.byteLength(body) + 1;
    while (String(length).length + Buffer.byteLength(body) !== length)
      length = String(length).length + Buffer.byteLength(body);
    return `${length}${body}`;
  });
  return Buffer.from(lines.join(''));
}

function ustarHeader(fields: Header & { readonly prefix: string }): Buffer {
  const buffer = Buffer.alloc(block);
  writeString(buffer, fields.name, 0, 100);
  writeOctal(buffer, fields.mode, 100, 8);
  writeOctal(buffer, 0, 108, 8); // uid
  writeOctal(buffer, 0, 116, 8); // gid
  writeOctal(buffer, fields.size, 124, 12);
  writeOctal(buffer, fixedMtime, 136, 12);
  buffer.fill(' ', 148, 156); // checksum is computed with this field as spaces
  buffer.write(fields.type, 156, 1, 'latin1');
  writeString(buffer, fields.linkname, 157, 100);
  buffer.write('ustar\u000000', 257, 8, 'latin1');
  writeString(buffer, fields.prefix, 345, 155);
  let sum = 0;
  for (const byte of buffer) sum += byte;
  buffer.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
  return buffer;
}

function writeString(buffer: Buffer, value: string, offset: number, length: number): void {
  const bytes = Buffer.from(value);
  bytes.copy(buffer, offset, 0, Math.min(bytes.length, length));
}

function writeOctal(buffer: Buffer, value: number, offset: number, length: number): void {
  const digits = value.toString(8).padStart(length - 1, '0');
  if (digits.length > length - 1) throw new Error(`value ${value} does not fit a tar header field`);
  buffer.write(`${digits}\u0000`, offset, length, 'latin1');
}

/**
 * Tar archives written header by header for attack tests: any type, link target and declared
 * size, none of the checks buildTarball makes.
 */
import { createGzip, gzipSync } from 'node:zlib';

export interface RawEntry {
  readonly path: string;
  /** '0' file, '1' hardlink, '2' symlink, '5' directory. */
  readonly type: '0' | '1' | '2' | '5';
  readonly linkpath?: string;
  readonly content?: Buffer;
}

export function rawHeader(path: string, type: string, size: number, linkpath = ''): Buffer {
  const header = Buffer.alloc(512);
  header.write(path, 0, 100, 'utf8');
  header.write('0000644\0', 100, 8, 'latin1');
  header.write('0000000\0', 108, 8, 'latin1');
  header.write('0000000\0', 116, 8, 'latin1');
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 12, 'latin1');
  header.write('00000000000\0', 136, 12, 'latin1');
  header.fill(' ', 148, 156);
  header.write(type, 156, 1, 'latin1');
  header.write(linkpath, 157, 100, 'utf8');
  header.write('ustar\u000000', 257, 8, 'latin1');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return header;
}

export function rawTar(entries: readonly RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const content = entry.content ?? Buffer.alloc(0);
    parts.push(rawHeader(entry.path, entry.type, content.length, entry.linkpath));
    parts.push(content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export const rawTarGz = (entries: readonly RawEntry[]): Buffer => gzipSync(rawTar(entries));

/**
 * A tar.gz holding one file that declares `bytes` of zeros, gzipped in 1 MiB steps so the
 * zeros are never held: a few hundred kilobytes that expand to `bytes`.
 */
export async function zeroFileTarGz(path: string, bytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = new Promise<void>((resolve) => gzip.on('end', resolve));
  gzip.write(rawHeader(path, '0', bytes));
  const step = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < bytes; written += step.length) {
    if (!gzip.write(step.subarray(0, Math.min(step.length, bytes - written))))
      await new Promise<void>((resolve) => gzip.once('drain', resolve));
  }
  gzip.end(Buffer.alloc(1024 + ((512 - (bytes % 512)) % 512)));
  await ended;
  return Buffer.concat(out);
}

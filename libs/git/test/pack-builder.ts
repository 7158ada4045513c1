/**
 * Hand-built packfiles for attack tests: whole objects and offset deltas, written byte by
 * byte as the format says, so a test can declare sizes and instructions no Git would write.
 */
import { createHash } from 'node:crypto';
import { createDeflate, deflateSync } from 'node:zlib';

export type PackObjectType = 'commit' | 'tree' | 'blob';

const typeNumbers: Readonly<Record<PackObjectType, number>> = { commit: 1, tree: 2, blob: 3 };

export type PackItem =
  | { readonly kind: 'whole'; readonly type: PackObjectType; readonly data: Buffer }
  | {
      readonly kind: 'raw-whole';
      readonly type: PackObjectType;
      readonly size: number;
      readonly zlib: Buffer;
    }
  | { readonly kind: 'ofs-delta'; readonly base: number; readonly delta: Buffer };

/** The type-and-size header of a pack entry. */
function entryHeader(type: number, size: number): Buffer {
  const bytes: number[] = [];
  let rest = Math.floor(size / 16);
  let byte = (type << 4) | (size % 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest % 128;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}

/** Git's offset encoding of an ofs-delta's distance back to its base. */
function offsetBytes(distance: number): Buffer {
  const bytes = [distance & 0x7f];
  let rest = Math.floor(distance / 128);
  while (rest > 0) {
    rest -= 1;
    bytes.unshift(0x80 | (rest & 0x7f));
    rest = Math.floor(rest / 128);
  }
  return Buffer.from(bytes);
}

/** A delta's size varint (little-endian groups of seven bits). */
export function deltaVarint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return Buffer.from(bytes);
}

/** A pack of `items`; an ofs-delta's `base` is the index of an earlier item. */
export function buildPack(items: readonly PackItem[]): Buffer {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(items.length, 8);
  parts.push(header);
  let offset = 12;
  for (const item of items) {
    offsets.push(offset);
    let entry: Buffer;
    if (item.kind === 'whole') {
      entry = Buffer.concat([
        entryHeader(typeNumbers[item.type], item.data.length),
        deflateSync(item.data),
      ]);
    } else if (item.kind === 'raw-whole') {
      entry = Buffer.concat([entryHeader(typeNumbers[item.type], item.size), item.zlib]);
    } else {
      const distance = offset - (offsets[item.base] ?? 0);
      entry = Buffer.concat([
        entryHeader(6, item.delta.length),
        offsetBytes(distance),
        deflateSync(item.delta),
      ]);
    }
    parts.push(entry);
    offset += entry.length;
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}

/** A zlib stream of `bytes` zeros, deflated in 1 MiB steps so the zeros are never held. */
export async function zlibOfZeros(bytes: number): Promise<Buffer> {
  const deflate = createDeflate({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  const step = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < bytes; written += step.length) {
    if (!deflate.write(step.subarray(0, Math.min(step.length, bytes - written))))
      await new Promise<void>((resolve) => deflate.once('drain', resolve));
  }
  const ended = new Promise<void>((resolve) => deflate.on('end', resolve));
  deflate.end();
  await ended;
  return Buffer.concat(out);
}

/** The SHA-1 name of an object. */
export function oidOf(type: PackObjectType, data: Buffer): string {
  return createHash('sha1').update(`${type} ${data.length}\0`).update(data).digest('hex');
}

/** A tree object from raw entries (no sorting or checks: tests write what Git would refuse). */
export function rawTree(entries: readonly { mode: string; name: string; oid: string }[]): Buffer {
  return Buffer.concat(
    entries.map((entry) =>
      Buffer.concat([Buffer.from(`${entry.mode} ${entry.name}\0`), Buffer.from(entry.oid, 'hex')]),
    ),
  );
}

/** A commit object naming `tree`. */
export function commitOf(tree: string): Buffer {
  return Buffer.from(
    `tree ${tree}\nauthor T <t@example.com> 0 +0000\ncommitter T <t@example.com> 0 +0000\n\ncrafted\n`,
  );
}

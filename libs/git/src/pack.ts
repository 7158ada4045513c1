import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';

/** A Git object's type and bytes (no header). */
export interface GitObject {
  readonly type: 'commit' | 'tree' | 'blob' | 'tag';
  readonly data: Buffer;
}

const objectTypes: Readonly<Record<number, GitObject['type'] | undefined>> = {
  1: 'commit',
  2: 'tree',
  3: 'blob',
  4: 'tag',
};
const ofsDelta = 6;
const refDelta = 7;

/** One object as the pack stores it: whole, or a delta against another object. */
type PackedEntry =
  | { readonly kind: 'whole'; readonly object: GitObject }
  | { readonly kind: 'ofs'; readonly baseOffset: number; readonly delta: Buffer }
  | { readonly kind: 'ref'; readonly baseOid: string; readonly delta: Buffer };

/**
 * The objects of a packfile held in memory: read once front to back with native zlib,
 * deltas (offset and reference) resolved, every object named by its SHA-1. A fetched pack
 * is used as is — no index is written, nothing touches the disk.
 */
export class PackReader {
  private readonly byOid = new Map<string, GitObject>();
  /** How many objects came as deltas (a measure of how the server packed). */
  private deltaCount = 0;

  private constructor() {
    // Built by parse(), which reads the whole pack.
  }

  /** Reads a version 2 or 3 packfile (`PACK`, version, count, objects, SHA-1 trailer). */
  static parse(pack: Buffer): PackReader {
    if (pack.length < 32 || pack.toString('latin1', 0, 4) !== 'PACK') {
      throw new PackError('not a Git packfile (no PACK signature)');
    }
    const version = pack.readUInt32BE(4);
    if (version !== 2 && version !== 3)
      throw new PackError(`unsupported packfile version ${version}`);
    const count = pack.readUInt32BE(8);
    const entries = new Map<number, PackedEntry>();
    let pos = 12;
    for (let i = 0; i < count; i++) {
      const offset = pos;
      const { entry, next } = readEntry(pack, pos);
      entries.set(offset, entry);
      pos = next;
    }
    const reader = new PackReader();
    reader.resolveAll(entries);
    return reader;
  }

  get size(): number {
    return this.byOid.size;
  }

  get deltas(): number {
    return this.deltaCount;
  }

  has(oid: string): boolean {
    return this.byOid.has(oid);
  }

  oids(): IterableIterator<string> {
    return this.byOid.keys();
  }

  /** The object, or undefined when the pack does not hold it. */
  read(oid: string): GitObject | undefined {
    return this.byOid.get(oid);
  }

  private resolveAll(entries: ReadonlyMap<number, PackedEntry>): void {
    const byOffset = new Map<number, GitObject>();
    const pending: [number, PackedEntry][] = [];
    const settle = (offset: number, object: GitObject): void => {
      byOffset.set(offset, object);
      this.byOid.set(objectId(object), object);
    };
    for (const [offset, entry] of entries) {
      if (entry.kind === 'whole') settle(offset, entry.object);
      else pending.push([offset, entry]);
    }
    // Offset deltas point backwards, so one pass in pack order resolves them; reference
    // deltas may name a later object, so passes repeat while they make progress.
    this.deltaCount = pending.length;
    let unresolved = pending;
    while (unresolved.length > 0) {
      const next: [number, PackedEntry][] = [];
      for (const [offset, entry] of unresolved) {
        const base =
          entry.kind === 'ofs'
            ? byOffset.get(entry.baseOffset)
            : entry.kind === 'ref'
              ? this.byOid.get(entry.baseOid)
              : undefined;
        if (base === undefined || entry.kind === 'whole') next.push([offset, entry]);
        else settle(offset, { type: base.type, data: applyDelta(base.data, entry.delta) });
      }
      if (next.length === unresolved.length) {
        throw new PackError(
          `${next.length} delta object(s) have a base the pack does not hold (a thin pack?)`,
        );
      }
      unresolved = next;
    }
  }
}

export class PackError extends Error {
  override readonly name = 'PackError';
}

function readEntry(pack: Buffer, start: number): { entry: PackedEntry; next: number } {
  let pos = start;
  let byte = pack[pos++] ?? 0;
  const type = (byte >> 4) & 7;
  while ((byte & 0x80) !== 0) byte = pack[pos++] ?? 0;
  if (type === ofsDelta) {
    byte = pack[pos++] ?? 0;
    let distance = byte & 0x7f;
    while ((byte & 0x80) !== 0) {
      byte = pack[pos++] ?? 0;
      distance = (distance + 1) * 128 + (byte & 0x7f);
    }
    const { data, next } = inflateAt(pack, pos);
    return { entry: { kind: 'ofs', baseOffset: start - distance, delta: data }, next };
  }
  if (type === refDelta) {
    const baseOid = pack.toString('hex', pos, pos + 20);
    const { data, next } = inflateAt(pack, pos + 20);
    return { entry: { kind: 'ref', baseOid, delta: data }, next };
  }
  const name = objectTypes[type];
  if (name === undefined) throw new PackError(`object at offset ${start} has unknown type ${type}`);
  const { data, next } = inflateAt(pack, pos);
  return { entry: { kind: 'whole', object: { type: name, data } }, next };
}

/** Inflates the zlib stream at `pos`; zlib reports how much input it used. */
function inflateAt(pack: Buffer, pos: number): { data: Buffer; next: number } {
  const { buffer, engine } = inflateSync(pack.subarray(pos), { info: true }) as unknown as {
    buffer: Buffer;
    engine: { bytesWritten: number };
  };
  return { data: buffer, next: pos + engine.bytesWritten };
}

/** SHA-1 of `<type> <size>\0<data>`: the object's name. */
export function objectId(object: GitObject): string {
  return createHash('sha1')
    .update(`${object.type} ${object.data.length}\0`)
    .update(object.data)
    .digest('hex');
}

/** Git's delta format: source and target sizes, then copy and insert instructions. */
function applyDelta(base: Buffer, delta: Buffer): Buffer {
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = delta[pos++] ?? 0;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while ((byte & 0x80) !== 0);
    return value;
  };
  const sourceSize = varint();
  if (sourceSize !== base.length)
    throw new PackError(`delta expects a base of ${sourceSize} bytes, got ${base.length}`);
  const target = Buffer.allocUnsafe(varint());
  let out = 0;
  while (pos < delta.length) {
    const command = delta[pos++] ?? 0;
    if ((command & 0x80) !== 0) {
      let copyOffset = 0;
      let copySize = 0;
      for (let bit = 0; bit < 4; bit++)
        if ((command & (1 << bit)) !== 0) copyOffset += (delta[pos++] ?? 0) * 2 ** (8 * bit);
      for (let bit = 0; bit < 3; bit++)
        if ((command & (0x10 << bit)) !== 0) copySize += (delta[pos++] ?? 0) * 2 ** (8 * bit);
      if (copySize === 0) copySize = 0x10000;
      base.copy(target, out, copyOffset, copyOffset + copySize);
      out += copySize;
    } else if (command !== 0) {
      delta.copy(target, out, pos, pos + command);
      out += command;
      pos += command;
    } else {
      throw new PackError('delta instruction 0 is reserved');
    }
  }
  if (out !== target.length)
    throw new PackError(`delta produced ${out} bytes, expected ${target.length}`);
  return target;
}

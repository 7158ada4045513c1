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
/**
 * Bounds on what a pack may inflate to. The network budget counts compressed bytes only, and
 * zlib expands about 1000:1, so the inflated bytes and each delta's declared target are
 * budgeted too: a refusal happens before the memory is taken, not after.
 */
export interface PackLimits {
  /** Inflated bytes of all objects and delta results together. */
  readonly maxTotalBytes?: number;
  /** Inflated bytes of any one object or delta result. */
  readonly maxObjectBytes?: number;
}

/** Half the 768 MiB heap of the controller pod, so two concurrent fetches cannot exhaust it. */
export const defaultPackLimits: Required<PackLimits> = {
  maxTotalBytes: 384 * 1024 * 1024,
  maxObjectBytes: 128 * 1024 * 1024,
};

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
  static parse(pack: Buffer, limits: PackLimits = {}): PackReader {
    const budget = new InflateBudget({ ...defaultPackLimits, ...limits });
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
      const { entry, next } = readEntry(pack, pos, budget);
      entries.set(offset, entry);
      pos = next;
    }
    const reader = new PackReader();
    reader.resolveAll(entries, budget);
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

  private resolveAll(entries: ReadonlyMap<number, PackedEntry>, budget: InflateBudget): void {
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
        else settle(offset, { type: base.type, data: applyDelta(base.data, entry.delta, budget) });
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
  override readonly name: string = 'PackError';
}

/** A pack refused because inflating it would pass one of its limits. */
export class PackTooLargeError extends PackError {
  override readonly name = 'PackTooLargeError';
  constructor(
    readonly limit: keyof PackLimits,
    readonly value: number,
    what: string,
  ) {
    super(`${what} exceeds the ${limit} limit of ${value} bytes`);
  }
}

/** The running total of inflated bytes against the pack's limits. */
class InflateBudget {
  private used = 0;
  constructor(readonly limits: Required<PackLimits>) {}

  /** The most one object may still inflate to. */
  nextObjectMax(): number {
    return Math.max(0, Math.min(this.limits.maxObjectBytes, this.limits.maxTotalBytes - this.used));
  }

  /** Counts `bytes`, refusing before they are allocated when they would pass a limit. */
  take(bytes: number, what: string): void {
    if (bytes > this.limits.maxObjectBytes)
      throw new PackTooLargeError('maxObjectBytes', this.limits.maxObjectBytes, what);
    if (this.used + bytes > this.limits.maxTotalBytes)
      throw new PackTooLargeError('maxTotalBytes', this.limits.maxTotalBytes, what);
    this.used += bytes;
  }
}

function readEntry(
  pack: Buffer,
  start: number,
  budget: InflateBudget,
): { entry: PackedEntry; next: number } {
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
    const { data, next } = inflateAt(pack, pos, start, budget);
    return { entry: { kind: 'ofs', baseOffset: start - distance, delta: data }, next };
  }
  if (type === refDelta) {
    const baseOid = pack.toString('hex', pos, pos + 20);
    const { data, next } = inflateAt(pack, pos + 20, start, budget);
    return { entry: { kind: 'ref', baseOid, delta: data }, next };
  }
  const name = objectTypes[type];
  if (name === undefined) throw new PackError(`object at offset ${start} has unknown type ${type}`);
  const { data, next } = inflateAt(pack, pos, start, budget);
  return { entry: { kind: 'whole', object: { type: name, data } }, next };
}

/**
 * Inflates the zlib stream at `pos` with zlib's output capped at what the budget has left
 * (so a bomb stops at the cap, not at the end of memory); zlib reports the input it used.
 */
function inflateAt(
  pack: Buffer,
  pos: number,
  start: number,
  budget: InflateBudget,
): { data: Buffer; next: number } {
  const max = budget.nextObjectMax();
  let result: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    result = inflateSync(pack.subarray(pos), {
      info: true,
      maxOutputLength: Math.max(1, max),
    }) as unknown as typeof result;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE')
      budget.take(max + 1, `object at offset ${start}`);
    throw error;
  }
  budget.take(result.buffer.length, `object at offset ${start}`);
  return { data: result.buffer, next: pos + result.engine.bytesWritten };
}

/** SHA-1 of `<type> <size>\0<data>`: the object's name. */
export function objectId(object: GitObject): string {
  return createHash('sha1')
    .update(`${object.type} ${object.data.length}\0`)
    .update(object.data)
    .digest('hex');
}

/** Git's delta format: source and target sizes, then copy and insert instructions. */
function applyDelta(base: Buffer, delta: Buffer, budget: InflateBudget): Buffer {
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
  const targetSize = varint();
  budget.take(targetSize, `delta target of ${targetSize} bytes`);
  const target = Buffer.alloc(targetSize);
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
      if (copyOffset + copySize > base.length)
        throw new PackError(
          `delta copies ${copySize} bytes at ${copyOffset} from a base of ${base.length} bytes`,
        );
      if (out + copySize > target.length)
        throw new PackError(`delta writes past its declared target of ${target.length} bytes`);
      base.copy(target, out, copyOffset, copyOffset + copySize);
      out += copySize;
    } else if (command !== 0) {
      if (pos + command > delta.length)
        throw new PackError(`delta inserts ${command} bytes but only ${delta.length - pos} remain`);
      if (out + command > target.length)
        throw new PackError(`delta writes past its declared target of ${target.length} bytes`);
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

/**
 * Allocation and decompression bombs in a fetched pack (review H2, L1): a small pack whose
 * object inflates to half a gigabyte, a delta declaring a 4 GiB target, and delta
 * instructions reading past their base or their own end. Each is refused with a typed error
 * naming the limit, before the memory is taken.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { PackError, PackReader, PackTooLargeError } from '@tide/git';
import { buildPack, deltaVarint, zlibOfZeros } from './fixtures/git-pack.js';

const mib = 1024 * 1024;

/** The peak RSS growth while `action` runs, in bytes (maxRSS is reported in KiB). */
function peakGrowth(action: () => void): number {
  const before = process.resourceUsage().maxRSS;
  try {
    action();
  } catch {
    // The caller asserts on the error separately.
  }
  return (process.resourceUsage().maxRSS - before) * 1024;
}

describe('pack inflate bomb', () => {
  let bomb: Buffer;
  beforeAll(async () => {
    // 512 MiB of zeros in about half a megabyte of pack.
    const zlib = await zlibOfZeros(512 * mib);
    bomb = buildPack([{ kind: 'raw-whole', type: 'blob', size: 512 * mib, zlib }]);
  }, 60_000);

  it('stops at the per-object limit with a PackTooLargeError naming it, without inflating it all', () => {
    expect(bomb.length).toBeLessThan(mib);
    let caught: unknown;
    const started = Date.now();
    const growth = peakGrowth(() => {
      try {
        PackReader.parse(bomb);
      } catch (error) {
        caught = error;
        throw error;
      }
    });
    expect(caught).toBeInstanceOf(PackTooLargeError);
    expect((caught as PackTooLargeError).limit).toBe('maxObjectBytes');
    expect((caught as PackTooLargeError).value).toBe(128 * mib);
    expect((caught as Error).message).toMatch(/maxObjectBytes limit of 134217728 bytes/);
    expect(growth).toBeLessThan(256 * mib);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('counts every object against the total budget', () => {
    // Three 1 MiB objects against a 2 MiB total.
    const pack = buildPack(
      [1, 2, 3].map((n) => ({ kind: 'whole', type: 'blob', data: Buffer.alloc(mib, n) }) as const),
    );
    expect(() => PackReader.parse(pack, { maxTotalBytes: 2 * mib })).toThrow(
      /maxTotalBytes limit of 2097152 bytes/,
    );
    expect(PackReader.parse(pack, { maxTotalBytes: 4 * mib }).size).toBe(3);
  });
});

describe('delta declaring a 4 GiB target', () => {
  it('is refused before the target is allocated', () => {
    const base = Buffer.from('base object\n');
    const delta = Buffer.concat([
      deltaVarint(base.length),
      deltaVarint(4 * 1024 * mib),
      Buffer.from([0x80 | 0x01 | 0x10, 0, base.length]), // copy the base once
    ]);
    const pack = buildPack([
      { kind: 'whole', type: 'blob', data: base },
      { kind: 'ofs-delta', base: 0, delta },
    ]);
    let caught: unknown;
    const growth = peakGrowth(() => {
      try {
        PackReader.parse(pack);
      } catch (error) {
        caught = error;
        throw error;
      }
    });
    expect(caught).toBeInstanceOf(PackTooLargeError);
    expect((caught as Error).message).toMatch(
      /delta target of 4294967296 bytes exceeds the maxObjectBytes limit/,
    );
    expect(growth).toBeLessThan(64 * mib);
  });
});

describe('delta instructions out of bounds', () => {
  const base = Buffer.from('0123456789');
  const packOf = (target: number, instructions: number[]): Buffer =>
    buildPack([
      { kind: 'whole', type: 'blob', data: base },
      {
        kind: 'ofs-delta',
        base: 0,
        delta: Buffer.concat([
          deltaVarint(base.length),
          deltaVarint(target),
          Buffer.from(instructions),
        ]),
      },
    ]);

  it('refuses a copy past the end of the base (which would leave uninitialised bytes)', () => {
    // copy offset 0, size 20 from a 10-byte base into a 20-byte target
    expect(() => PackReader.parse(packOf(20, [0x80 | 0x10, 20]))).toThrow(
      /delta copies 20 bytes at 0 from a base of 10 bytes/,
    );
  });

  it('refuses a copy past the declared target', () => {
    expect(() => PackReader.parse(packOf(5, [0x80 | 0x10, 10]))).toThrow(
      /writes past its declared target of 5 bytes/,
    );
  });

  it('refuses an insert longer than what the delta still holds', () => {
    expect(() => PackReader.parse(packOf(8, [8, 0x41, 0x42]))).toThrow(
      /delta inserts 8 bytes but only 2 remain/,
    );
  });

  it('still applies a delta that stays in bounds', () => {
    const reader = PackReader.parse(packOf(12, [0x80 | 0x10, 10, 2, 0x41, 0x42]));
    const objects = [...reader.oids()].map((oid) => reader.read(oid)?.data.toString());
    expect(objects).toContain('0123456789AB');
    expect(reader.deltas).toBe(1);
  });

  it('reports them as PackErrors', () => {
    expect(() => PackReader.parse(packOf(20, [0x80 | 0x10, 20]))).toThrow(PackError);
  });
});

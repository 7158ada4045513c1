/**
 * tar.gz decompression bombs (review H2): an artifact of a few hundred kilobytes that expands
 * to a quarter of a gigabyte, and one with more entries than the limit. Extraction and
 * in-memory reading refuse both with ArchiveTooLargeError naming the limit, write nothing,
 * and stop at the cap instead of decompressing the rest.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@tide/harness';
import {
  ArchiveTooLargeError,
  UnsafeArchiveError,
  defaultArchiveLimits,
  extractTarball,
  readTarball,
} from '@tide/artifact';
import { rawTarGz, zeroFileTarGz } from './fixtures/tar.js';

const mib = 1024 * 1024;

describe('tar.gz total-size bomb', () => {
  let temp: TempDir;
  let bomb: Buffer;
  beforeAll(async () => {
    temp = await makeTempDir('tar-bomb');
    bomb = await zeroFileTarGz('deploy/huge.yaml', 256 * mib);
  }, 60_000);
  afterAll(() => temp.remove());

  it('is small on the wire', () => {
    expect(bomb.length).toBeLessThan(mib);
  });

  it('is refused by extractTarball before anything is written', async () => {
    const out = join(temp.path, 'out');
    const before = process.resourceUsage().maxRSS;
    const failure = extractTarball(bomb, out);
    await expect(failure).rejects.toBeInstanceOf(ArchiveTooLargeError);
    await expect(failure).rejects.toThrow(
      `archive expands past the maxUncompressedBytes limit of ${defaultArchiveLimits.maxUncompressedBytes} bytes`,
    );
    expect(existsSync(out)).toBe(false);
    expect((process.resourceUsage().maxRSS - before) * 1024).toBeLessThan(64 * mib);
  });

  it('is refused by readTarball with the limit it passed', async () => {
    const failure = readTarball(bomb, { maxUncompressedBytes: 16 * mib });
    await expect(failure).rejects.toMatchObject({
      name: 'ArchiveTooLargeError',
      limit: 'maxUncompressedBytes',
      value: 16 * mib,
    });
  });
});

describe('tar.gz entry-count bomb', () => {
  let temp: TempDir;
  beforeAll(async () => {
    temp = await makeTempDir('tar-entries');
  });
  afterAll(() => temp.remove());

  const many = (count: number): Buffer =>
    rawTarGz(Array.from({ length: count }, (_, i) => ({ path: `f${i}`, type: '0' as const })));

  it('refuses more entries than maxEntries, writing nothing', async () => {
    const out = join(temp.path, 'out');
    const failure = extractTarball(many(1001), out, { maxEntries: 1000 });
    await expect(failure).rejects.toBeInstanceOf(UnsafeArchiveError);
    await expect(failure).rejects.toThrow(
      'archive has more than the maxEntries limit of 1000 entries',
    );
    expect(existsSync(out)).toBe(false);
    await expect(readTarball(many(1001), { maxEntries: 1000 })).rejects.toMatchObject({
      limit: 'maxEntries',
      value: 1000,
    });
  });

  it('accepts exactly maxEntries', async () => {
    await extractTarball(many(1000), join(temp.path, 'fine'), { maxEntries: 1000 });
    expect(existsSync(join(temp.path, 'fine', 'f999'))).toBe(true);
    expect(defaultArchiveLimits.maxEntries).toBe(100_000);
  });
});

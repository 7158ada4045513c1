import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, run, type TempDir } from '@tide/harness';
import { PassThrough } from 'node:stream';
import {
  buildTarball,
  extractTarball,
  sha256Digest,
  writeTarball,
  type TarEntry,
} from '../src/index.js';

/** What writeTarball streams, collected. */
async function streamed(entries: readonly TarEntry[], asGiven = false): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  await writeTarball(entries, sink, { asGiven });
  return Buffer.concat(chunks);
}

const text = (s: string) => Buffer.from(s);

describe('buildTarball', () => {
  let temp: TempDir;
  beforeAll(async () => {
    temp = await makeTempDir('tarball');
  });
  afterAll(() => temp.remove());

  const entries: TarEntry[] = [
    { path: 'deploy/app.yaml', type: 'file', content: text('kind: ConfigMap\n') },
    { path: 'README.md', type: 'file', content: text('# hi\n') },
    { path: 'bin/run.sh', type: 'file', content: text('#!/bin/sh\n'), executable: true },
    { path: 'deploy/link.yaml', type: 'symlink', target: 'app.yaml' },
  ];

  it('gives the same bytes for the same entries in any order', () => {
    const a = buildTarball(entries);
    const b = buildTarball([...entries].reverse());
    expect(sha256Digest(a)).toBe(sha256Digest(b));
    expect(a.equals(b)).toBe(true);
  });

  it('streams the same bytes as it builds, for small, large and as-given entries', async () => {
    expect((await streamed(entries)).equals(buildTarball(entries))).toBe(true);
    expect((await streamed(entries, true)).equals(buildTarball(entries, { asGiven: true }))).toBe(
      true,
    );
    // Several MiB of incompressible and of repetitive content cross zlib's window and chunks.
    let seed = 1;
    const noise = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < noise.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      noise[i] = seed >> 16;
    }
    const large: TarEntry[] = [
      ...entries,
      { path: 'data/noise.bin', type: 'file', content: noise },
      { path: 'data/zeros.bin', type: 'file', content: Buffer.alloc(2 * 1024 * 1024) },
    ];
    expect((await streamed(large)).equals(buildTarball(large))).toBe(true);
  });

  it('fails a stream on duplicate paths', async () => {
    const duplicated = [...entries, ...entries.slice(0, 1)];
    await expect(streamed(duplicated)).rejects.toThrow(/duplicate tarball entry/);
  });

  it('changes digest when a byte of content changes', () => {
    const changed = entries.map((e) =>
      e.path === 'README.md' ? { ...e, content: text('# ho\n') } : e,
    );
    expect(sha256Digest(buildTarball(changed))).not.toBe(sha256Digest(buildTarball(entries)));
  });

  it('is read by GNU tar with sorted entries, normalized modes, root owner and a fixed mtime', async () => {
    const file = join(temp.path, 'a.tar.gz');
    await writeFile(file, buildTarball(entries));
    const listing = await run('tar', ['--numeric-owner', '--full-time', '-tvzf', file], {
      env: { ...process.env, TZ: 'UTC' },
    });
    const rows = listing
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/))
      .map((cols) => [cols[0], cols[1], cols[3], cols[4], cols.slice(5).join(' ')]);
    expect(rows).toEqual([
      ['-rw-r--r--', '0/0', '1970-01-01', '00:00:00', 'README.md'],
      ['drwxr-xr-x', '0/0', '1970-01-01', '00:00:00', 'bin/'],
      ['-rwxr-xr-x', '0/0', '1970-01-01', '00:00:00', 'bin/run.sh'],
      ['drwxr-xr-x', '0/0', '1970-01-01', '00:00:00', 'deploy/'],
      ['-rw-r--r--', '0/0', '1970-01-01', '00:00:00', 'deploy/app.yaml'],
      ['lrwxrwxrwx', '0/0', '1970-01-01', '00:00:00', 'deploy/link.yaml -> app.yaml'],
    ]);
  });

  it('round-trips paths longer than ustar holds through GNU tar and our extractor', async () => {
    const deep = `${'d'.repeat(120)}/${'e'.repeat(150)}/${'f'.repeat(110)}.yaml`;
    const archive = buildTarball([{ path: deep, type: 'file', content: text('deep\n') }]);
    const file = join(temp.path, 'long.tar.gz');
    await writeFile(file, archive);
    expect((await run('tar', ['-tzf', file])).trim().split('\n')).toContain(deep);
    const out = join(temp.path, 'long-out');
    await extractTarball(archive, out);
    expect(await readFile(join(out, deep), 'utf8')).toBe('deep\n');
  });

  it('extracts what it packed: contents, executable bit and links', async () => {
    const out = join(temp.path, 'out');
    await extractTarball(buildTarball(entries), out);
    expect(await readFile(join(out, 'deploy/app.yaml'), 'utf8')).toBe('kind: ConfigMap\n');
    expect((await stat(join(out, 'bin/run.sh'))).mode & 0o111).not.toBe(0);
    expect(await readlink(join(out, 'deploy/link.yaml'))).toBe('app.yaml');
  });

  it.each([['../escape'], ['/abs'], ['a/../b'], ['./'], ['']])(
    'refuses the entry path %j',
    (path) => {
      expect(() => buildTarball([{ path, type: 'file', content: text('x') }])).toThrow(
        /invalid tarball entry path/,
      );
    },
  );

  it('refuses duplicate paths', () => {
    const twice: TarEntry[] = [
      { path: 'a', type: 'file', content: text('1') },
      { path: './a', type: 'file', content: text('2') },
    ];
    expect(() => buildTarball(twice)).toThrow(/duplicate tarball entry a/);
  });
});

/**
 * Symlink chains (review M1): links that each look inside the archive root but together lead
 * out of it, and hard links made through a symlink. The lexical check accepts them; they are
 * resolved against the links the archive itself creates, as the kernel will, and refused
 * before anything is written. Tarball creation refuses to archive such links too.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@tide/harness';
import {
  UnsafeArchiveError,
  UnsafeTarballEntryError,
  buildTarball,
  extractTarball,
  type TarEntry,
} from '@tide/artifact';
import { rawTarGz, type RawEntry } from './fixtures/tar.js';

const dirs: RawEntry[] = ['a/', 'a/b/', 'a/b/c/', 'a/b/c/d/'].map((path) => ({
  path,
  type: '5' as const,
}));

describe('extractTarball and symlink chains', () => {
  let temp: TempDir;
  beforeAll(async () => {
    temp = await makeTempDir('symlink-chain');
  });
  afterAll(() => temp.remove());

  const refused = async (name: string, entries: RawEntry[], message: RegExp): Promise<void> => {
    const out = join(temp.path, name);
    const failure = extractTarball(rawTarGz(entries), out);
    await expect(failure).rejects.toBeInstanceOf(UnsafeArchiveError);
    await expect(failure).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);
  };

  it('refuses a chain of relative links that lexically stays inside', async () => {
    await refused(
      'chain',
      [
        ...dirs,
        { path: 'a/b/c/d/e', type: '2', linkpath: '../../../..' },
        { path: 'x', type: '2', linkpath: 'a/b/c/d/e/../../../../../etc' },
      ],
      /x: link to a\/b\/c\/d\/e\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc leaves the target directory/,
    );
  });

  it('refuses a chain whose links come in the other order', async () => {
    await refused(
      'chain-reversed',
      [
        { path: 'x', type: '2', linkpath: 'a/b/c/d/e/../../../../../etc' },
        ...dirs,
        { path: 'a/b/c/d/e', type: '2', linkpath: '../../../..' },
      ],
      /x: link to .* leaves the target directory/,
    );
  });

  it('refuses a hard link made through a symlinked directory', async () => {
    await refused(
      'hardlink',
      [
        { path: 'inside/', type: '5' },
        { path: 'inside/real.yaml', type: '0', content: Buffer.from('a: 1\n') },
        { path: 's', type: '2', linkpath: 'inside' },
        { path: 'h', type: '1', linkpath: 's/real.yaml' },
      ],
      /h: hard link to s\/real\.yaml goes through the symbolic link s/,
    );
  });

  it('refuses a hard link to a symlink (which would move the link somewhere else)', async () => {
    await refused(
      'hardlink-to-link',
      [
        ...dirs,
        { path: 'a/b/c/d/up', type: '2', linkpath: '../../../x' },
        { path: 'h', type: '1', linkpath: 'a/b/c/d/up' },
      ],
      /h: hard link to a\/b\/c\/d\/up goes through the symbolic link a\/b\/c\/d\/up/,
    );
  });

  it('refuses an entry written through one of its own links', async () => {
    await refused(
      'through',
      [
        { path: 'inside/', type: '5' },
        { path: 'd', type: '2', linkpath: 'inside' },
        { path: 'd/x.yaml', type: '0', content: Buffer.from('a: 1\n') },
      ],
      /d\/x\.yaml: would be written through the symbolic link d/,
    );
  });
});

describe('buildTarball and links leaving the tree', () => {
  const file: TarEntry = { path: 'a/b/c/d/file.yaml', type: 'file', content: Buffer.from('x') };

  it.each<[string, TarEntry[], RegExp]>([
    ['an absolute link', [{ path: 'etc', type: 'symlink', target: '/etc' }], /etc: link to \/etc/],
    [
      'a chain of relative links',
      [
        file,
        { path: 'a/b/c/d/e', type: 'symlink', target: '../../../..' },
        { path: 'x', type: 'symlink', target: 'a/b/c/d/e/../../../../../etc' },
      ],
      /x: link to a\/b\/c\/d\/e\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc leaves the target directory/,
    ],
  ])('refuses %s', (_what, entries, message) => {
    expect(() => buildTarball(entries)).toThrow(UnsafeTarballEntryError);
    expect(() => buildTarball(entries)).toThrow(message);
  });

  it('archives a link that stays inside', () => {
    const entries: TarEntry[] = [file, { path: 'l', type: 'symlink', target: 'a/b/c/d/file.yaml' }];
    expect(buildTarball(entries).length).toBeGreaterThan(0);
  });
});

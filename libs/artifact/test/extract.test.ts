import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, run, type TempDir } from '@tide/harness';
import { UnsafeArchiveError, extractTarball } from '../src/index.js';

/** Archives made by GNU tar with -P, which keeps `..` and absolute names as given. */
describe('extractTarball refuses archives that leave the target directory', () => {
  let temp: TempDir;
  beforeAll(async () => {
    temp = await makeTempDir('extract');
    await mkdir(join(temp.path, 'src/sub'), { recursive: true });
    await writeFile(join(temp.path, 'src/outside.txt'), 'outside\n');
    await writeFile(join(temp.path, 'src/sub/inside.txt'), 'inside\n');
    await symlink('/etc/passwd', join(temp.path, 'src/sub/abs-link'));
    await symlink('../../outside.txt', join(temp.path, 'src/sub/rel-link'));
    await symlink('inside.txt', join(temp.path, 'src/sub/ok-link'));
  });
  afterAll(() => temp.remove());

  const archive = async (name: string, args: string[]): Promise<Buffer> => {
    const file = join(temp.path, `${name}.tar.gz`);
    await run('tar', ['-czPf', file, ...args], { cwd: join(temp.path, 'src/sub') });
    return readFile(file);
  };

  it.each([
    ['dot-dot', ['inside.txt', '../outside.txt'], /\.\.\/outside\.txt: path contains '\.\.'/],
    ['absolute', [join('/tmp', 'x-not-there-' + String(process.pid))], /absolute path/],
    [
      'absolute-symlink',
      ['abs-link'],
      /abs-link: link to \/etc\/passwd leaves the target directory/,
    ],
    [
      'relative-symlink',
      ['rel-link'],
      /rel-link: link to \.\.\/\.\.\/outside\.txt leaves the target directory/,
    ],
  ])('%s', async (name, members, message) => {
    if (name === 'absolute') {
      await writeFile(members[0] ?? '', 'abs\n');
    }
    const bytes = await archive(name, members);
    const out = join(temp.path, `out-${name}`);
    const failure = extractTarball(bytes, out);
    await expect(failure).rejects.toBeInstanceOf(UnsafeArchiveError);
    await expect(failure).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false); // nothing written
    if (name === 'absolute') await run('rm', ['-f', members[0] ?? '']);
  });

  it('extracts links that stay inside', async () => {
    const bytes = await archive('fine', ['inside.txt', 'ok-link']);
    const out = join(temp.path, 'out-fine');
    await extractTarball(bytes, out);
    expect(await readFile(join(out, 'ok-link'), 'utf8')).toBe('inside\n');
  });

  it('refuses bytes that are not a tar.gz', async () => {
    await expect(
      extractTarball(Buffer.from('not an archive at all'), join(temp.path, 'junk')),
    ).rejects.toBeInstanceOf(UnsafeArchiveError);
  });
});

/**
 * Crafted trees (review H5): a tree Git itself would never write, with a `d` symlink beside
 * a `d` directory, a name holding `/`, `..`, `.git` in any spelling, or a bad mode, is refused
 * when read, as `git fsck` refuses it, so no checkout ever sees such entries.
 */
import { describe, expect, it } from '@jest/globals';
import { GitObjectStore, InvalidTreeError } from '@tide/git';
import { buildPack, commitOf, oidOf, rawTree } from './fixtures/git-pack.js';

const blob = Buffer.from('x\n');
const blobOid = oidOf('blob', blob);

/** The files listTree gives for a commit whose root tree has `entries`, or the error. */
async function listCrafted(
  entries: { mode: string; name: string; oid: string }[],
  extraTrees: Buffer[] = [],
): Promise<unknown> {
  const tree = rawTree(entries);
  const commit = commitOf(oidOf('tree', tree));
  const store = GitObjectStore.fromPack(
    buildPack([
      { kind: 'whole', type: 'blob', data: blob },
      ...extraTrees.map((data) => ({ kind: 'whole', type: 'tree', data }) as const),
      { kind: 'whole', type: 'tree', data: tree },
      { kind: 'whole', type: 'commit', data: commit },
    ]),
  );
  return store.listTree(oidOf('commit', commit)).catch((error: unknown) => error);
}

describe('tree entries are checked as git fsck checks them', () => {
  it('refuses a symlink d beside a directory d holding x (the write-through-symlink tree)', async () => {
    const sub = rawTree([{ mode: '100644', name: 'x', oid: blobOid }]);
    const result = await listCrafted(
      [
        { mode: '120000', name: 'd', oid: blobOid },
        { mode: '40000', name: 'd', oid: oidOf('tree', sub) },
      ],
      [sub],
    );
    expect(result).toBeInstanceOf(InvalidTreeError);
    expect((result as Error).message).toMatch(/entry "d" appears twice/);
  });

  it.each([
    ['a name with a slash', 'd/x', /contains '\/'/],
    ['..', '..', /is a path step/],
    ['.', '.', /is a path step/],
    ['.git', '.git', /names the \.git directory/],
    ['.GIT in upper case', '.GIT', /names the \.git directory/],
    ['.git with NTFS trailing dots and spaces', '.git. .', /names the \.git directory/],
    ['the NTFS short name git~1', 'GIT~1', /names the \.git directory/],
    ['an NTFS stream of .git', '.git::$INDEX_ALLOCATION', /names the \.git directory/],
    ['.git with an HFS+-ignored zero-width joiner', '.g\u200dit', /names the \.git directory/],
    ['an empty name', '', /has an empty name/],
  ])('refuses %s', async (_what, name, message) => {
    const result = await listCrafted([{ mode: '100644', name, oid: blobOid }]);
    expect(result).toBeInstanceOf(InvalidTreeError);
    expect((result as Error).message).toMatch(message);
  });

  it('refuses a bad mode', async () => {
    const result = await listCrafted([{ mode: '100666', name: 'f', oid: blobOid }]);
    expect((result as Error).message).toMatch(/has bad mode 100666/);
  });

  it('reads an ordinary tree, .gitignore and .github included', async () => {
    const result = await listCrafted([
      { mode: '100644', name: '.github', oid: blobOid },
      { mode: '100644', name: '.gitignore', oid: blobOid },
      { mode: '100755', name: 'run.sh', oid: blobOid },
      { mode: '120000', name: 'link', oid: blobOid },
    ]);
    expect(result).toEqual([
      { path: '.github', type: 'file', oid: blobOid },
      { path: '.gitignore', type: 'file', oid: blobOid },
      { path: 'run.sh', type: 'executable', oid: blobOid },
      { path: 'link', type: 'symlink', oid: blobOid },
    ]);
  });
});

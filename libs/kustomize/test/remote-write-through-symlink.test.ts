/**
 * Arbitrary file write from a remote base (review H5, M1): a Git server an attacker controls
 * serves a crafted tree. Writing its checkout must never place a file through a symlink nor
 * leave a link that leads out of the checkout. The trees are written into a real bare
 * repository with Git's plumbing (`--literally`, which skips Git's own checks) and served by
 * the harness Git server.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  gitEnv,
  makeTempDir,
  run,
  startGitServer,
  type GitRepositoryFixture,
  type GitServer,
  type TempDir,
} from '@tide/harness';
import { KustomizeError } from '@tide/kustomize';
import { RemoteCheckouts } from '../src/remote/checkout.js';
import { parseRepoSpec } from '../src/remote/spec.js';

let server: GitServer;
let temp: TempDir;
let outside: string;

beforeAll(async () => {
  server = await startGitServer();
  temp = await makeTempDir('remote-symlink');
  outside = join(temp.path, 'outside');
  await mkdir(outside);
});
afterAll(async () => {
  await server.stop();
  await temp.remove();
});

/** Plumbing in the bare repository: objects written as given, then `main` pointed at them. */
async function crafted(
  name: string,
  build: (git: (args: string[], input?: string | Buffer) => Promise<string>) => Promise<string>,
): Promise<GitRepositoryFixture> {
  const repo = await server.createRepository(name, { files: { 'README.md': 'x\n' } });
  const git = async (args: string[], input?: string | Buffer): Promise<string> =>
    (
      await run('git', args, {
        cwd: repo.bareDir,
        env: gitEnv(temp.path),
        ...(input === undefined ? {} : { input }),
      })
    ).trim();
  const tree = await build(git);
  const commit = await git(['commit-tree', tree, '-m', 'crafted']);
  await git(['update-ref', 'refs/heads/main', commit]);
  return repo;
}

const blob = (git: (args: string[], input?: string) => Promise<string>, text: string) =>
  git(['hash-object', '-w', '--stdin'], text);

/** A raw tree object from entries, exactly as given (duplicates included). */
function rawTree(entries: { mode: string; name: string; oid: string }[]): Buffer {
  return Buffer.concat(
    entries.map((e) =>
      Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.oid, 'hex')]),
    ),
  );
}

async function fetchInto(checkouts: RemoteCheckouts, repo: GitRepositoryFixture): Promise<unknown> {
  const address = `${repo.url}?ref=main`;
  return checkouts
    .fetch(parseRepoSpec(address, 'kustomization.yaml'), address, 'kustomization.yaml')
    .then(
      () => undefined,
      (error: unknown) => error,
    );
}

describe('a crafted remote base cannot write outside its checkout', () => {
  it('refuses a tree with a symlink d to an outside directory and a file d/x', async () => {
    const repo = await crafted('write-through', async (git) => {
      const link = await blob(git, outside);
      const x = await blob(git, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: planted}\n');
      const sub = await git(['mktree'], `100644 blob ${x}\tx\n`);
      const tree = rawTree([
        { mode: '120000', name: 'd', oid: link },
        { mode: '40000', name: 'd', oid: sub },
      ]);
      return git(['hash-object', '-w', '-t', 'tree', '--literally', '--stdin'], tree);
    });
    const checkouts = new RemoteCheckouts({});
    try {
      const error = await fetchInto(checkouts, repo);
      expect(error).toBeInstanceOf(KustomizeError);
      expect((error as Error).message).toMatch(/entry "d" appears twice/);
      expect(readdirSync(outside)).toEqual([]);
    } finally {
      await checkouts.removeAll();
    }
  });

  it('refuses a chain of relative links that each look inside but together lead out', async () => {
    const repo = await crafted('link-chain', async (git) => {
      // a/b/c/d/e -> ../../../.. is the checkout root; x climbs five more levels from there.
      const up4 = await blob(git, '../../../..');
      const out = await blob(git, 'a/b/c/d/e/../../../../../etc');
      let tree = await git(['mktree'], `120000 blob ${up4}\te\n`);
      for (const dir of ['d', 'c', 'b'])
        tree = await git(['mktree'], `040000 tree ${tree}\t${dir}\n`);
      return git(['mktree'], `040000 tree ${tree}\ta\n120000 blob ${out}\tx\n`);
    });
    const checkouts = new RemoteCheckouts({});
    try {
      const error = await fetchInto(checkouts, repo);
      expect(error).toBeInstanceOf(KustomizeError);
      expect((error as Error).message).toMatch(
        /tree entry "x" is a symbolic link to a\/b\/c\/d\/e\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc, which resolves outside the checkout/,
      );
    } finally {
      await checkouts.removeAll();
    }
  });

  it('refuses a link to an absolute path', async () => {
    const repo = await crafted('absolute-link', async (git) => {
      const link = await blob(git, '/etc');
      return git(['mktree'], `120000 blob ${link}\tetc\n`);
    });
    const checkouts = new RemoteCheckouts({});
    try {
      const error = await fetchInto(checkouts, repo);
      expect((error as Error).message).toMatch(/is a symbolic link to the absolute path \/etc/);
    } finally {
      await checkouts.removeAll();
    }
  });
});

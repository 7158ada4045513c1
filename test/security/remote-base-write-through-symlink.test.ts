/**
 * Arbitrary file write from a remote base (review H5, M1): a Git server an attacker controls
 * serves a crafted tree, named as a remote resource of a kustomization. Building it must never
 * place a file through a symlink nor leave a link that leads out of the checkout. The trees are
 * written into a real bare repository with Git's plumbing (`--literally`, which skips Git's own
 * checks), served by the harness Git server, and reached only through `buildAsync`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
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
import { KustomizeError, buildAsync } from '@tide/kustomize';
import { rawTree } from './fixtures/git-pack.js';

type Git = (args: string[], input?: string | Buffer) => Promise<string>;

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
  build: (git: Git) => Promise<string>,
): Promise<GitRepositoryFixture> {
  const repo = await server.createRepository(name, { files: { 'README.md': 'x\n' } });
  const git: Git = async (args, input) =>
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

const blob = (git: Git, text: string): Promise<string> =>
  git(['hash-object', '-w', '--stdin'], text);

/** Builds a tenant kustomization whose only resource is `repo` at `main`; the error it gives. */
async function buildNaming(repo: GitRepositoryFixture): Promise<unknown> {
  const dir = join(temp.path, 'tenant', repo.name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'kustomization.yaml'), `resources:\n- ${repo.url}?ref=main\n`);
  return buildAsync(dir, { remote: { timeoutMs: 10_000 } }).then(
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
    const error = await buildNaming(repo);
    expect(error).toBeInstanceOf(KustomizeError);
    expect((error as Error).message).toMatch(/entry "d" appears twice/);
    expect(readdirSync(outside)).toEqual([]);
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
    const error = await buildNaming(repo);
    expect(error).toBeInstanceOf(KustomizeError);
    expect((error as Error).message).toMatch(
      /tree entry "x" is a symbolic link to a\/b\/c\/d\/e\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc, which resolves outside the checkout/,
    );
  });

  it('refuses a link to an absolute path', async () => {
    const repo = await crafted('absolute-link', async (git) => {
      const link = await blob(git, '/etc');
      return git(['mktree'], `120000 blob ${link}\tetc\n`);
    });
    const error = await buildNaming(repo);
    expect(error).toBeInstanceOf(KustomizeError);
    expect((error as Error).message).toMatch(/is a symbolic link to the absolute path \/etc/);
  });

  it('still builds an ordinary remote base from the same server', async () => {
    const repo = await server.createRepository('ordinary', {
      files: {
        'kustomization.yaml': 'resources: [cm.yaml]\n',
        'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n',
      },
    });
    const dir = join(temp.path, 'tenant', 'ordinary');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'kustomization.yaml'), `resources:\n- ${repo.url}?ref=main\n`);
    const result = await buildAsync(dir, { remote: { timeoutMs: 10_000 } });
    expect(result.yaml).toContain('name: fine');
  });
});

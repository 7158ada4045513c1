import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConditionType, type GitRepository } from '@tide/api';
import { readTarball } from '@tide/artifact';
import {
  gitEnv,
  run,
  startGitServer,
  type GitRepositoryFixture,
  type GitServer,
} from '@tide/harness';
import { PatchType } from '@tide/kube';
import type { ReconcilableObject } from '@tide/runtime';
import { gitRepositoryKind, secretKind } from '../src/kinds.js';
import { startSourceEnvironment, type SourceEnvironment } from './environment.js';

type Repo = GitRepository & ReconcilableObject;

const condition = (obj: Repo, type: string) => obj.status?.conditions?.find((c) => c.type === type);
const ready = (obj: Repo) => condition(obj, ConditionType.Ready);

function gitRepository(name: string, spec: Partial<GitRepository['spec']> & { url: string }): Repo {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name },
    spec: { interval: '1h', ref: { branch: 'main' }, ...spec },
  };
}

/** A `.gitmodules` section, as `git submodule add` writes it. */
const gitmodule = (name: string, path: string, url: string) =>
  `[submodule "${name}"]\n\tpath = ${path}\n\turl = ${url}\n`;

describe('GitRepository recurseSubmodules and sparseCheckout', () => {
  let env: SourceEnvironment;
  let git: GitServer;
  let privateGit: GitServer;
  let otherPrivateGit: GitServer;
  let lib: GitRepositoryFixture;
  const libCommits: string[] = [];

  beforeAll(async () => {
    env = await startSourceEnvironment('gittree');
    git = await startGitServer();
    const basicAuth = { username: 'flux', password: 's3cret' };
    privateGit = await startGitServer({ basicAuth });
    otherPrivateGit = await startGitServer({ basicAuth });
    lib = await git.createRepository('lib', { files: { 'lib.yaml': 'version: 1\n' } });
    libCommits.push(await lib.head());
    libCommits.push(await lib.commit({ 'lib.yaml': 'version: 2\n' }, 'lib v2'));
    await env.client.create(secretKind, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'basic', namespace: env.namespace },
      stringData: basicAuth,
    } as never);
  });
  afterAll(async () => {
    await env.stop();
    await git.stop();
    await privateGit.stop();
    await otherPrivateGit.stop();
  });

  const settled = (name: string, status: 'True' | 'False', timeoutMs?: number) =>
    env.readyIs<Repo>(gitRepositoryKind, name, status, timeoutMs);

  /** The artifact's files and their text, by path. */
  const filesOf = async (obj: Repo): Promise<Record<string, string>> => {
    const response = await fetch(obj.status?.artifact?.url ?? '');
    expect(response.status).toBe(200);
    const entries = await readTarball(Buffer.from(await response.arrayBuffer()));
    const files: Record<string, string> = {};
    for (const entry of entries) {
      if (entry.type === 'file') files[entry.path] = Buffer.from(entry.content).toString('utf8');
    }
    return files;
  };

  const patchSpec = (name: string, spec: Partial<GitRepository['spec']>) =>
    env.client.patch(
      gitRepositoryKind,
      { namespace: env.namespace, name },
      { spec },
      { type: PatchType.Merge },
    );

  it('lays in a submodule at its pinned commit, not its branch head, and only when asked', async () => {
    const app = await git.createRepository('app', {
      files: { 'app.yaml': 'app: 1\n', '.gitmodules': gitmodule('lib', 'vendor/lib', lib.url) },
    });
    const head = await app.commit({}, 'pin lib v1', {
      gitlinks: { 'vendor/lib': libCommits[0] ?? '' },
    });
    await env.apply(gitRepositoryKind, gitRepository('app', { url: app.url }));
    const plain = await settled('app', 'True');
    expect(plain.status?.artifact?.revision).toBe(`main@sha1:${head}`);
    expect(Object.keys(await filesOf(plain)).filter((p) => p.startsWith('vendor/'))).toEqual([]);
    expect(plain.status?.observedRecurseSubmodules).toBeUndefined();

    await patchSpec('app', { recurseSubmodules: true });
    const recursed = await settled('app', 'True');
    expect(recursed.status?.artifact?.revision).toBe(`main@sha1:${head}`);
    expect(recursed.status?.artifact?.digest).not.toBe(plain.status?.artifact?.digest);
    expect(recursed.status?.observedRecurseSubmodules).toBe(true);
    const files = await filesOf(recursed);
    expect(files['vendor/lib/lib.yaml']).toBe('version: 1\n');
    expect(files['app.yaml']).toBe('app: 1\n');

    // A submodule update in the parent is a new parent commit: the artifact moves with it.
    const bumped = await app.commit({}, 'bump lib to v2', {
      gitlinks: { 'vendor/lib': libCommits[1] ?? '' },
    });
    await env.client.patch(
      gitRepositoryKind,
      { namespace: env.namespace, name: 'app' },
      { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': 'bump' } } },
      { type: PatchType.Merge },
    );
    const moved = await env.waitFor<Repo, Repo>(
      gitRepositoryKind,
      'app',
      (o) => (o.status?.artifact?.revision === `main@sha1:${bumped}` ? o : undefined),
      'the bumped revision',
    );
    expect((await filesOf(moved))['vendor/lib/lib.yaml']).toBe('version: 2\n');

    // Toggled back off, the artifact is rebuilt without the submodule.
    await patchSpec('app', { recurseSubmodules: false });
    const off = await env.waitFor<Repo, Repo>(
      gitRepositoryKind,
      'app',
      (o) =>
        o.status?.observedGeneration === o.metadata.generation &&
        o.status?.observedRecurseSubmodules === undefined &&
        ready(o)?.status === 'True'
          ? o
          : undefined,
      'rebuilt without submodules',
    );
    expect(Object.keys(await filesOf(off)).some((p) => p.startsWith('vendor/'))).toBe(false);
  });

  it('resolves relative submodule URLs against the parent, nested submodules included', async () => {
    const leaf = await git.createRepository('leaf', { files: { 'leaf.txt': 'leaf\n' } });
    const mid = await git.createRepository('mid', {
      files: { 'mid.txt': 'mid\n', '.gitmodules': gitmodule('leaf', 'leaf', '../leaf.git') },
    });
    const midHead = await mid.commit({}, 'add leaf', { gitlinks: { leaf: await leaf.head() } });
    const top = await git.createRepository('top', {
      files: { '.gitmodules': gitmodule('mid', 'deps/mid', './../mid.git') },
    });
    await top.commit({}, 'add mid', { gitlinks: { 'deps/mid': midHead } });
    await env.apply(
      gitRepositoryKind,
      gitRepository('top', { url: top.url, recurseSubmodules: true }),
    );
    const files = await filesOf(await settled('top', 'True'));
    expect(files['deps/mid/mid.txt']).toBe('mid\n');
    expect(files['deps/mid/leaf/leaf.txt']).toBe('leaf\n');
  });

  it('sends the secretRef credentials to submodules on the same origin and to no other host', async () => {
    const sameHost = await privateGit.createRepository('shared-lib', {
      files: { 's.yaml': 'same origin\n' },
    });
    const elsewhere = await otherPrivateGit.createRepository('foreign-lib', {
      files: { 'f.yaml': 'other origin\n' },
    });
    const parent = await privateGit.createRepository('private-app', {
      files: { '.gitmodules': gitmodule('shared', 'shared', '../shared-lib.git') },
    });
    await parent.commit({}, 'add shared', { gitlinks: { shared: await sameHost.head() } });
    await env.apply(
      gitRepositoryKind,
      gitRepository('private-app', {
        url: parent.url,
        secretRef: { name: 'basic' },
        recurseSubmodules: true,
      }),
    );
    const trusted = await settled('private-app', 'True');
    expect((await filesOf(trusted))['shared/s.yaml']).toBe('same origin\n');

    // The other server takes the very same password: only sending it would make this work.
    await parent.commit(
      { '.gitmodules': gitmodule('foreign', 'foreign', elsewhere.url), shared: null },
      'swap to a foreign host',
      { gitlinks: { foreign: await elsewhere.head() } },
    );
    await env.client.patch(
      gitRepositoryKind,
      { namespace: env.namespace, name: 'private-app' },
      { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': 'foreign' } } },
      { type: PatchType.Merge },
    );
    const refused = await settled('private-app', 'False');
    expect(ready(refused)?.message).toContain("submodule 'foreign'");
    expect(ready(refused)?.message).toContain('authentication failed');
    expect(refused.status?.artifact?.digest).toBe(trusted.status?.artifact?.digest);
  });

  it('keeps only the sparse directories, with the revision of the whole commit', async () => {
    const mono = await git.createRepository('mono', {
      files: {
        'README.md': 'root\n',
        'charts/app/Chart.yaml': 'name: app\n',
        'kustomize/base/kustomization.yaml': 'resources: []\n',
        'other/x.yaml': 'x\n',
        'chartsy/y.yaml': 'a prefix, not the directory\n',
      },
    });
    const head = await mono.head();
    await env.apply(
      gitRepositoryKind,
      gitRepository('mono', { url: mono.url, sparseCheckout: ['charts', '/kustomize/'] }),
    );
    const sparse = await settled('mono', 'True');
    expect(sparse.status?.artifact?.revision).toBe(`main@sha1:${head}`);
    expect(sparse.status?.observedSparseCheckout).toEqual(['charts', '/kustomize/']);
    expect(Object.keys(await filesOf(sparse)).sort()).toEqual([
      'charts/app/Chart.yaml',
      'kustomize/base/kustomization.yaml',
    ]);

    // Same commit, another list: a new artifact on the next reconcile.
    await patchSpec('mono', { sparseCheckout: ['other'] });
    const changed = await env.waitFor<Repo, Repo>(
      gitRepositoryKind,
      'mono',
      (o) =>
        o.status?.observedSparseCheckout?.[0] === 'other' && ready(o)?.status === 'True'
          ? o
          : undefined,
      'the new sparse artifact',
    );
    expect(changed.status?.artifact?.revision).toBe(`main@sha1:${head}`);
    expect(changed.status?.artifact?.digest).not.toBe(sparse.status?.artifact?.digest);
    expect(Object.keys(await filesOf(changed))).toEqual(['other/x.yaml']);

    await patchSpec('mono', { sparseCheckout: ['other', 'nope'] });
    const missing = await settled('mono', 'False');
    expect(ready(missing)?.reason).toBe('GitOperationFailed');
    expect(ready(missing)?.message).toContain(
      "sparse checkout dir 'nope' does not exist in repository",
    );
    expect(condition(missing, ConditionType.FetchFailed)?.status).toBe('True');
  });

  it('fetches only the submodules inside the sparse directories', async () => {
    const repo = await git.createRepository('sparse-subs', {
      files: {
        'deploy/a.yaml': 'a\n',
        '.gitmodules':
          gitmodule('lib', 'deploy/lib', lib.url) +
          gitmodule('unreachable', 'tools/gone', 'https://127.0.0.1:1/gone.git'),
      },
    });
    await repo.commit({}, 'two submodules', {
      gitlinks: { 'deploy/lib': libCommits[1] ?? '', 'tools/gone': libCommits[0] ?? '' },
    });
    await env.apply(
      gitRepositoryKind,
      gitRepository('sparse-subs', {
        url: repo.url,
        recurseSubmodules: true,
        sparseCheckout: ['deploy'],
      }),
    );
    const files = await filesOf(await settled('sparse-subs', 'True'));
    expect(Object.keys(files).sort()).toEqual(['deploy/a.yaml', 'deploy/lib/lib.yaml']);
  });

  it.each([
    [
      'a path climbing out',
      gitmodule('evil', '../escape', '../lib.git'),
      'escape',
      'leaves the repository',
    ],
    [
      'an absolute path',
      gitmodule('evil', '/etc/evil', '../lib.git'),
      'evil',
      'is not a relative path',
    ],
    [
      'a path through .git',
      gitmodule('evil', '.GIT/hooks', '../lib.git'),
      'hooks',
      'goes through .git',
    ],
    [
      'a name climbing out',
      gitmodule('../../modules/evil', 'sub', '../lib.git'),
      'sub',
      "'..' step",
    ],
    ['a file:// URL', gitmodule('evil', 'sub', 'file:///etc'), 'sub', 'is not allowed'],
    [
      'an ext:: URL',
      gitmodule('evil', 'sub', 'ext::sh -c touch% /tmp/pwned'),
      'sub',
      'is not allowed',
    ],
    [
      'an option-like URL',
      gitmodule('evil', 'sub', '--upload-pack=touch /tmp/pwned'),
      'sub',
      'looks like an option',
    ],
    [
      'a gitlink with no .gitmodules entry',
      gitmodule('other', 'elsewhere', '../lib.git'),
      'sub',
      'no URL found',
    ],
  ])('refuses a .gitmodules with %s, saying why', async (_what, gitmodules, linkPath, why) => {
    const name = `hostile-${_what.replace(/\W+/g, '-').replace(/-$/, '')}`.toLowerCase();
    const repo = await git.createRepository(name, {
      files: { 'ok.yaml': 'ok\n', '.gitmodules': gitmodules },
    });
    await repo.commit({}, 'hostile submodule', { gitlinks: { [linkPath]: libCommits[0] ?? '' } });
    await env.apply(
      gitRepositoryKind,
      gitRepository(name, { url: repo.url, recurseSubmodules: true }),
    );
    const refused = await settled(name, 'False');
    expect(ready(refused)?.reason).toBe('GitOperationFailed');
    expect(ready(refused)?.message).toContain(why);
    expect(refused.status?.artifact).toBeUndefined();
  });

  it('refuses a .gitmodules that is a symbolic link', async () => {
    const repo = await git.createRepository('linked-gitmodules', {
      files: { 'modules.txt': gitmodule('lib', 'sub', '../lib.git') },
    });
    await repo.commit({}, 'pin lib', { gitlinks: { sub: libCommits[0] ?? '' } });
    // git itself refuses to stage such a link, so the tree is written in the bare repository.
    const gitIn = (args: string[], input?: string) =>
      run('git', args, { cwd: repo.bareDir, ...(input === undefined ? {} : { input }) });
    const link = (await gitIn(['hash-object', '-w', '--stdin'], 'modules.txt')).trim();
    const entries = await gitIn(['ls-tree', 'refs/heads/main']);
    const tree = (await gitIn(['mktree'], `${entries}120000 blob ${link}\t.gitmodules\n`)).trim();
    const parent = await repo.head();
    const commit = (
      await run('git', ['commit-tree', tree, '-p', parent, '-m', 'linked .gitmodules'], {
        cwd: repo.bareDir,
        env: gitEnv(repo.bareDir),
      })
    ).trim();
    await gitIn(['update-ref', 'refs/heads/main', commit]);
    await env.apply(
      gitRepositoryKind,
      gitRepository('linked-gitmodules', { url: repo.url, recurseSubmodules: true }),
    );
    const refused = await settled('linked-gitmodules', 'False');
    expect(ready(refused)?.message).toContain('.gitmodules is a symbolic link');
  });
});

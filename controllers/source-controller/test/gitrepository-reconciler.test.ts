import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { ConditionType, type GitRepository } from '@tide/api';
import { readTarball } from '@tide/artifact';
import { startGitServer, waitFor, type GitRepositoryFixture, type GitServer } from '@tide/harness';
import type { ReconcilableObject } from '@tide/runtime';
import { gitRepositoryKind, secretKind } from '../src/kinds.js';
import { startSourceEnvironment, type SourceEnvironment } from './environment.js';
import { PatchType, isApiError } from '@tide/kube';

type Repo = GitRepository & ReconcilableObject;

const condition = (obj: Repo, type: string) => obj.status?.conditions?.find((c) => c.type === type);
const ready = (obj: Repo) => condition(obj, ConditionType.Ready);

function gitRepository(name: string, spec: Partial<GitRepository['spec']> & { url: string }): Repo {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name },
    spec: { interval: '1h', ...spec },
  };
}

describe('GitRepository', () => {
  let env: SourceEnvironment;
  let git: GitServer;
  let privateGit: GitServer;
  let app: GitRepositoryFixture;

  beforeAll(async () => {
    env = await startSourceEnvironment('gitrepo');
    git = await startGitServer();
    privateGit = await startGitServer({
      basicAuth: { username: 'flux', password: 's3cret' },
      bearerToken: 't0ken',
    });
    app = await git.createRepository('app', {
      files: {
        'deploy/app.yaml': 'kind: ConfigMap\n',
        'deploy/secret.enc.yaml': 'ignored by spec.ignore\n',
        'docs/logo.png': 'ignored by default\n',
        '.github/workflows/ci.yaml': 'ignored by default\n',
        'scratch/.sourceignore': '*.tmp\n',
        'scratch/keep.yaml': 'kept\n',
        'scratch/drop.tmp': 'ignored by .sourceignore\n',
      },
    });
  });
  afterAll(async () => {
    await env.stop();
    await git.stop();
    await privateGit.stop();
  });

  const readyRepo = (name: string, timeoutMs?: number) =>
    env.waitFor<Repo, Repo>(
      gitRepositoryKind,
      name,
      (o) =>
        ready(o)?.status === 'True' && o.status?.observedGeneration === o.metadata.generation
          ? o
          : undefined,
      'Ready=True',
      timeoutMs,
    );

  const download = async (obj: Repo): Promise<Buffer> => {
    const url = obj.status?.artifact?.url ?? '';
    const response = await fetch(url);
    expect(response.status).toBe(200);
    return Buffer.from(await response.arrayBuffer());
  };

  it('stores the branch head as an artifact whose digest, revision and files are right', async () => {
    await env.apply(
      gitRepositoryKind,
      gitRepository('app', { url: app.url, ref: { branch: 'main' }, ignore: '*.enc.yaml\n' }),
    );
    const obj = await readyRepo('app');
    const head = await app.head();
    const artifact = obj.status?.artifact;
    expect(artifact?.revision).toBe(`main@sha1:${head}`);
    expect(ready(obj)?.message).toBe(`stored artifact for revision 'main@sha1:${head}'`);
    expect(condition(obj, 'ArtifactInStorage')?.status).toBe('True');
    const bytes = await download(obj);
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(artifact?.digest);
    expect(bytes.length).toBe(artifact?.size);
    const files = (await readTarball(bytes)).map((e) => e.path).sort();
    const expected = (await app.files(head)).filter(
      (f) =>
        ![
          'deploy/secret.enc.yaml',
          'docs/logo.png',
          '.github/workflows/ci.yaml',
          'scratch/drop.tmp',
        ].includes(f),
    );
    expect(files).toEqual(expected.sort());
    expect(obj.status?.observedIgnore).toBe('*.enc.yaml\n');
  });

  it('produces byte-identical artifacts for the same content', async () => {
    await env.apply(
      gitRepositoryKind,
      gitRepository('app-twin', { url: app.url, ref: { branch: 'main' }, ignore: '*.enc.yaml\n' }),
    );
    const twin = await readyRepo('app-twin');
    const original = await readyRepo('app');
    expect(twin.status?.artifact?.digest).toBe(original.status?.artifact?.digest);
    expect((await download(twin)).equals(await download(original))).toBe(true);
  });

  it('follows a push within one interval, and at once on reconcile.fluxcd.io/requestedAt', async () => {
    const repo = await git.createRepository('moving', { files: { 'a.yaml': 'v: 1\n' } });
    await env.apply(
      gitRepositoryKind,
      gitRepository('moving', { url: repo.url, ref: { branch: 'main' }, interval: '2s' }),
    );
    await readyRepo('moving');
    const second = await repo.commit({ 'a.yaml': 'v: 2\n' }, 'second');
    await env.waitFor<Repo, true>(
      gitRepositoryKind,
      'moving',
      (o) => o.status?.artifact?.revision === `main@sha1:${second}` || undefined,
      'the pushed revision',
      15_000,
    );

    await env.client.patch(
      gitRepositoryKind,
      { namespace: env.namespace, name: 'moving' },
      { spec: { interval: '1h' } },
      { type: PatchType.Merge },
    );
    await readyRepo('moving');
    const third = await repo.commit({ 'a.yaml': 'v: 3\n' }, 'third');
    const requestedAt = new Date().toISOString();
    await env.client.patch(
      gitRepositoryKind,
      { namespace: env.namespace, name: 'moving' },
      { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': requestedAt } } },
      { type: PatchType.Merge },
    );
    const obj = await env.waitFor<Repo, Repo>(
      gitRepositoryKind,
      'moving',
      (o) => (o.status?.artifact?.revision === `main@sha1:${third}` ? o : undefined),
      'the requested reconcile',
      10_000,
    );
    await env.waitFor<Repo, true>(
      gitRepositoryKind,
      'moving',
      (o) => o.status?.lastHandledReconcileAt === requestedAt || undefined,
      'lastHandledReconcileAt',
    );
    expect(obj.status?.artifact?.revision).toBe(`main@sha1:${third}`);
  });

  it.each([
    ['a lightweight tag', { tag: 'v1.0.0' }, 'v1.0.0', 'first'],
    ['the highest tag in a semver range', { semver: '>=1.0.0 <2.0.0' }, 'v1.1.0', 'second'],
    ['an exact commit on a branch', { branch: 'main', commit: 'FIRST' }, 'main', 'first'],
  ] as const)('checks out %s', async (_what, ref, label, which) => {
    const name = `refs-${label.replace(/\W/g, '').toLowerCase()}-${which}`;
    const repo = await git.createRepository(name, { files: { 'v.txt': '1\n' } });
    const first = await repo.head();
    await repo.tag('v1.0.0');
    const second = await repo.commit({ 'v.txt': '2\n' }, 'two');
    await repo.tag('v1.1.0', { annotated: true });
    await repo.tag('v2.0.0', { ref: second });
    await repo.commit({ 'v.txt': '3\n' }, 'three');
    const commit = which === 'first' ? first : second;
    const specRef = 'commit' in ref ? { ...ref, commit: first } : ref;
    await env.apply(gitRepositoryKind, gitRepository(name, { url: repo.url, ref: specRef }));
    const obj = await readyRepo(name);
    expect(obj.status?.artifact?.revision).toBe(`${label}@sha1:${commit}`);
    const files = await readTarball(await download(obj));
    const v = files.find((f) => f.path === 'v.txt');
    expect(v?.type === 'file' ? Buffer.from(v.content).toString() : '').toBe(
      which === 'first' ? '1\n' : '2\n',
    );
  });

  it('authenticates with basic auth and with a bearer token from secretRef', async () => {
    const repo = await privateGit.createRepository('private', {
      files: { 'p.yaml': 'private: true\n' },
    });
    await env.client.create(secretKind, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'basic', namespace: env.namespace },
      stringData: { username: 'flux', password: 's3cret' },
    } as never);
    await env.client.create(secretKind, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'token', namespace: env.namespace },
      stringData: { bearerToken: 't0ken' },
    } as never);
    await env.apply(
      gitRepositoryKind,
      gitRepository('private-basic', {
        url: repo.url,
        ref: { branch: 'main' },
        secretRef: { name: 'basic' },
      }),
    );
    await env.apply(
      gitRepositoryKind,
      gitRepository('private-token', {
        url: repo.url,
        ref: { branch: 'main' },
        secretRef: { name: 'token' },
      }),
    );
    const head = await repo.head();
    expect((await readyRepo('private-basic')).status?.artifact?.revision).toBe(`main@sha1:${head}`);
    expect((await readyRepo('private-token')).status?.artifact?.revision).toBe(`main@sha1:${head}`);
  });

  it('reports a wrong password as GitOperationFailed, naming the URL and never the password', async () => {
    const repo = await privateGit.createRepository('denied', { files: { 'x.yaml': 'x\n' } });
    await env.client.create(secretKind, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'wrong', namespace: env.namespace },
      stringData: { username: 'flux', password: 'n0pe-wr0ng' },
    } as never);
    await env.apply(
      gitRepositoryKind,
      gitRepository('denied', {
        url: repo.url,
        ref: { branch: 'main' },
        secretRef: { name: 'wrong' },
      }),
    );
    const failed = await env.waitFor<Repo, Repo>(
      gitRepositoryKind,
      'denied',
      (o) => (ready(o)?.status === 'False' ? o : undefined),
      'Ready=False',
    );
    expect(ready(failed)?.reason).toBe('GitOperationFailed');
    expect(ready(failed)?.message).toContain(repo.url);
    expect(JSON.stringify(failed.status)).not.toContain('n0pe-wr0ng');
    expect(condition(failed, ConditionType.FetchFailed)?.status).toBe('True');
  });

  it('keeps the last artifact while the server is down and recovers when it is back', async () => {
    const repo = await git.createRepository('flaky', { files: { 'f.yaml': 'f: 1\n' } });
    await env.apply(
      gitRepositoryKind,
      gitRepository('flaky', {
        url: repo.url,
        ref: { branch: 'main' },
        interval: '1s',
        timeout: '2s',
      }),
    );
    const before = await readyRepo('flaky');
    await git.close();
    try {
      const failed = await env.waitFor<Repo, Repo>(
        gitRepositoryKind,
        'flaky',
        (o) => (ready(o)?.status === 'False' ? o : undefined),
        'Ready=False while down',
      );
      expect(ready(failed)?.reason).toBe('GitOperationFailed');
      expect(failed.status?.artifact).toEqual(before.status?.artifact);
      expect(
        existsSync(join(env.storage.basePath, before.status?.artifact?.path ?? 'missing')),
      ).toBe(true);
    } finally {
      await git.reopen();
    }
    const next = await repo.commit({ 'f.yaml': 'f: 2\n' }, 'after the outage');
    await env.waitFor<Repo, true>(
      gitRepositoryKind,
      'flaky',
      (o) =>
        (ready(o)?.status === 'True' && o.status?.artifact?.revision === `main@sha1:${next}`) ||
        undefined,
      'recovery',
      20_000,
    );
  });

  it('fails an SSH URL without a secretRef, saying what the Secret must hold', async () => {
    await env.apply(
      gitRepositoryKind,
      gitRepository('over-ssh', { url: 'ssh://git@example.com/org/repo.git' }),
    );
    const failed = await env.waitFor<Repo, Repo>(
      gitRepositoryKind,
      'over-ssh',
      (o) => (condition(o, ConditionType.FetchFailed)?.status === 'True' ? o : undefined),
      'FetchFailed=True',
    );
    expect(ready(failed)?.status).toBe('False');
    expect(ready(failed)?.reason).toBe('AuthenticationFailed');
    expect(ready(failed)?.message).toMatch(
      /an SSH URL needs spec.secretRef naming a Secret with 'identity' \(private key\) and 'known_hosts'/,
    );
  });

  it('includes another GitRepository artifact at toPath', async () => {
    const shared = await git.createRepository('shared', {
      files: { 'base/cm.yaml': 'kind: ConfigMap\n', 'other/x.yaml': 'x\n' },
    });
    const main = await git.createRepository('with-include', { files: { 'app.yaml': 'app\n' } });
    await env.apply(
      gitRepositoryKind,
      gitRepository('shared', { url: shared.url, ref: { branch: 'main' } }),
    );
    await env.apply(
      gitRepositoryKind,
      gitRepository('with-include', {
        url: main.url,
        ref: { branch: 'main' },
        include: [{ repository: { name: 'shared' }, fromPath: 'base', toPath: 'vendor/base' }],
      }),
    );
    const obj = await readyRepo('with-include');
    const files = (await readTarball(await download(obj))).map((e) => e.path).sort();
    expect(files).toEqual(['app.yaml', 'vendor/base/cm.yaml']);
    expect(obj.status?.includedArtifacts?.[0]?.revision).toBe(`main@sha1:${await shared.head()}`);
  });

  it('removes its artifacts from storage when deleted', async () => {
    const repo = await git.createRepository('doomed', { files: { 'd.yaml': 'd\n' } });
    await env.apply(
      gitRepositoryKind,
      gitRepository('doomed', { url: repo.url, ref: { branch: 'main' } }),
    );
    const obj = await readyRepo('doomed');
    const file = join(env.storage.basePath, obj.status?.artifact?.path ?? 'missing');
    expect(existsSync(file)).toBe(true);
    await env.client.delete(gitRepositoryKind, env.namespace, 'doomed');
    await waitFor(
      () =>
        env.client.get(gitRepositoryKind, env.namespace, 'doomed').then(
          () => undefined,
          (error: unknown) => (isApiError(error, 404) ? true : undefined),
        ),
      { timeoutMs: 10_000, what: 'GitRepository doomed to be gone' },
    );
    expect(existsSync(file)).toBe(false);
  });
});

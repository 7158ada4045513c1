import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
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
import type { GitError } from '../src/index.js';
import { fetchCommit, resolveReference, type GitReference } from '../src/index.js';

describe('resolve and fetch against git http-backend', () => {
  let server: GitServer;
  let temp: TempDir;
  let repo: GitRepositoryFixture;
  const commits: Record<string, string> = {};

  beforeAll(async () => {
    server = await startGitServer();
    temp = await makeTempDir('git-lib');
    repo = await server.createRepository('app', {
      files: { 'deploy/app.yaml': 'replicas: 1\n', 'README.md': '# app\n' },
      message: 'first',
    });
    commits.first = await repo.head();
    await repo.tag('v1.0.0');
    commits.second = await repo.commit({ 'deploy/app.yaml': 'replicas: 2\n' }, 'second');
    await repo.tag('v1.2.0', { annotated: true });
    commits.third = await repo.commit({ 'bin/run.sh': '#!/bin/sh\necho hi\n' }, 'third');
    await run('chmod', ['+x', 'bin/run.sh'], {
      cwd: join(repo.bareDir, '..', '..', 'work', 'app'),
    }).catch(() => undefined);
    await repo.tag('v1.10.0');
    await repo.tag('v2.0.0-rc.1');
    await repo.tag('not-a-version');
    commits.pr = await repo.commit({ 'pr.txt': 'proposed\n' }, 'pr', { branch: 'feature' });
    await run('git', ['update-ref', 'refs/pull/1/head', commits.pr], {
      cwd: repo.bareDir,
      env: gitEnv(temp.path),
    });
    commits.master = await repo.commit({ 'm.txt': 'm\n' }, 'on master', { branch: 'master' });
  });
  afterAll(async () => {
    await server.stop();
    await temp.remove();
  });

  const remote = () => ({ url: repo.url, timeoutMs: 10_000 });

  it.each<[string, GitReference, string, string]>([
    ['no ref follows master', {}, 'master', 'master'],
    ['a branch', { branch: 'main' }, 'main', 'third'],
    ['a lightweight tag', { tag: 'v1.0.0' }, 'v1.0.0', 'first'],
    ['an annotated tag, peeled to its commit', { tag: 'v1.2.0' }, 'v1.2.0', 'second'],
    ['the highest tag in a semver range', { semver: '>=1.0.0 <2.0.0' }, 'v1.10.0', 'third'],
    ['a Masterminds range with a comma', { semver: '>=1.0.0, <1.5.0' }, 'v1.2.0', 'second'],
    [
      'a pre-release only when the range names one',
      { semver: '>=2.0.0-rc.0' },
      'v2.0.0-rc.1',
      'third',
    ],
    ['a full ref name', { name: 'refs/pull/1/head' }, 'refs/pull/1/head', 'pr'],
    ['a tag over a branch (precedence)', { branch: 'main', tag: 'v1.0.0' }, 'v1.0.0', 'first'],
  ])('%s', async (_what, ref, label, commitKey) => {
    const commit = commits[commitKey] ?? '';
    const resolved = await resolveReference(remote(), ref);
    expect(resolved.commit).toBe(commit);
    expect(resolved.revision).toBe(`${label}@sha1:${commit}`);
    const { store } = await fetchCommit(remote(), resolved);
    const files = await store.listTree(resolved.commit);
    expect(files.map((f) => f.path).sort()).toEqual(await repo.files(commit));
  });

  it('fetches a branch tip shallow, and a pinned commit with history', async () => {
    const tip = await resolveReference(remote(), { branch: 'main' });
    // Depth 1: the tip's commit and tree, none of its ancestors.
    const shallow = await fetchCommit(remote(), tip);
    expect(shallow.store.has(tip.commit)).toBe(true);
    expect(shallow.store.has(commits.second ?? '')).toBe(false);

    const pinned = await resolveReference(remote(), {
      branch: 'main',
      commit: commits.first ?? '',
    });
    expect(pinned.revision).toBe(`main@sha1:${commits.first ?? ''}`);
    const { store: pinnedStore } = await fetchCommit(remote(), pinned);
    const readme = (await pinnedStore.listTree(pinned.commit)).find(
      (f) => f.path === 'deploy/app.yaml',
    );
    expect((await pinnedStore.readBlob(readme?.oid ?? '')).toString()).toBe('replicas: 1\n');
  });

  it('fetches a commit pinned without a branch and names it sha1:<hex>', async () => {
    const resolved = await resolveReference(remote(), { commit: commits.pr ?? '' });
    expect(resolved.revision).toBe(`sha1:${commits.pr ?? ''}`);
    await fetchCommit(remote(), resolved);
  });

  it('reads blobs byte for byte', async () => {
    const resolved = await resolveReference(remote(), { branch: 'main' });
    const { store } = await fetchCommit(remote(), resolved);
    const files = await store.listTree(resolved.commit);
    const app = files.find((f) => f.path === 'deploy/app.yaml');
    expect((await store.readBlob(app?.oid ?? '')).toString()).toBe('replicas: 2\n');
  });

  it.each<[string, GitReference, RegExp]>([
    [
      'a missing branch',
      { branch: 'nope' },
      /branch nope not found in http:\/\/127\.0\.0\.1:\d+\/app\.git/,
    ],
    ['a missing tag', { tag: 'v9' }, /tag v9 not found/],
    [
      'a semver range nothing matches',
      { semver: '>=5.0.0' },
      /no tag in .* matches semver range ">=5\.0\.0"/,
    ],
  ])('reports NotFound for %s', async (_what, ref, message) => {
    const failure = resolveReference(remote(), ref);
    await expect(failure).rejects.toMatchObject({ reason: 'NotFound' });
    await expect(failure).rejects.toThrow(message);
  });

  it('reports NotFound for a pinned commit the branch does not have', async () => {
    const resolved = await resolveReference(remote(), { branch: 'main', commit: 'f'.repeat(40) });
    await expect(fetchCommit(remote(), resolved)).rejects.toMatchObject({
      reason: 'NotFound',
    });
  });

  it.each<[string, GitReference, RegExp]>([
    ['a short commit', { commit: 'abc123' }, /not a full 40-character SHA-1/],
    [
      'a name that is not a full ref',
      { name: 'main' },
      /must be a full reference starting with refs\//,
    ],
    [
      'a broken semver range',
      { semver: '>=>1' },
      /invalid ref\.semver ">=>1": improper constraint/,
    ],
  ])('refuses %s', async (_what, ref, message) => {
    await expect(resolveReference(remote(), ref)).rejects.toThrow(message);
  });

  it('stops at the byte budget with TooLarge', async () => {
    const big = await server.createRepository('big', {
      files: { 'blob.bin': randomBytes(200_000) },
    });
    const resolved = await resolveReference(
      { url: big.url, timeoutMs: 10_000 },
      { branch: 'main' },
    );
    const failure = fetchCommit({ url: big.url, timeoutMs: 10_000, maxBytes: 10_000 }, resolved);
    await expect(failure).rejects.toMatchObject({ reason: 'TooLarge' });
    await expect(failure).rejects.toThrow(/larger than the limit of 10000 bytes/);
  });

  it('takes SSH URLs to the SSH transport, which needs a key and known_hosts', async () => {
    for (const url of ['ssh://git@example.com/org/repo.git', 'git@example.com:org/repo.git']) {
      const failure = resolveReference({ url, timeoutMs: 1000 }, {});
      await expect(failure).rejects.toMatchObject({ reason: 'AuthenticationFailed' });
      await expect(failure).rejects.toThrow(
        /SSH Git URLs need a secretRef with 'identity' \(private key\) and 'known_hosts'/,
      );
    }
  });
});

describe('authentication and failures on the wire', () => {
  let server: GitServer;
  let repo: GitRepositoryFixture;
  let silent: Server;
  let silentPort = 0;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    server = await startGitServer({
      basicAuth: { username: 'flux', password: 'c0rrect' },
      bearerToken: 't0ken',
    });
    repo = await server.createRepository('private', { files: { 'a.yaml': 'a: 1\n' } });
    silent = createServer((socket) => sockets.push(socket)); // accepts connections, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    silentPort = typeof address === 'object' && address !== null ? address.port : 0;
  });
  afterAll(async () => {
    await server.stop();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('authenticates with basic auth and with a bearer token', async () => {
    const basic = await resolveReference(
      { url: repo.url, timeoutMs: 5000, credentials: { username: 'flux', password: 'c0rrect' } },
      { branch: 'main' },
    );
    expect(basic.commit).toBe(await repo.head());
    const bearer = await resolveReference(
      { url: repo.url, timeoutMs: 5000, credentials: { bearerToken: 't0ken' } },
      { branch: 'main' },
    );
    expect(bearer.commit).toBe(basic.commit);
  });

  it('reports a wrong password as AuthenticationFailed, naming the URL but never the password', async () => {
    const withUserInfo = repo.url.replace('http://', 'http://flux:leaked@');
    const failure = resolveReference(
      { url: withUserInfo, timeoutMs: 5000, credentials: { username: 'flux', password: 'wr0ng' } },
      { branch: 'main' },
    );
    await expect(failure).rejects.toMatchObject({ reason: 'AuthenticationFailed' });
    const error = (await failure.catch((e: unknown) => e)) as GitError;
    expect(error.message).toContain(`authentication failed for ${repo.url}`);
    expect(error.message).not.toMatch(/wr0ng|leaked/);
  });

  it('reports a server that is down as Unreachable', async () => {
    await server.close();
    try {
      await expect(
        resolveReference(
          { url: repo.url, timeoutMs: 5000, credentials: { bearerToken: 't0ken' } },
          {},
        ),
      ).rejects.toMatchObject({ reason: 'Unreachable' });
    } finally {
      await server.reopen();
    }
  });

  it('gives up on a server that never answers at the timeout', async () => {
    const started = Date.now();
    const failure = resolveReference(
      { url: `http://127.0.0.1:${silentPort}/repo.git`, timeoutMs: 400 },
      {},
    );
    await expect(failure).rejects.toMatchObject({ reason: 'Timeout' });
    await expect(failure).rejects.toThrow(/timed out after 400ms/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  gitEnv,
  makeTempDir,
  run,
  startGitServer,
  type GitServer,
  type TempDir,
} from '../src/index.js';

describe('git server (git http-backend over smart HTTP)', () => {
  let server: GitServer;
  let work: TempDir;
  const git = (args: string[], cwd?: string) =>
    run('git', args, { cwd: cwd ?? work.path, env: gitEnv(work.path) });

  beforeAll(async () => {
    server = await startGitServer();
    work = await makeTempDir('git-client');
  });
  afterAll(async () => {
    await server.stop();
    await work.remove();
  });

  it('serves a clone whose head and files equal the fixture', async () => {
    const repo = await server.createRepository('clone-me', {
      files: { 'README.md': '# hi\n', 'deploy/app.yaml': 'kind: ConfigMap\n' },
    });
    const dir = join(work.path, 'clone-me');
    await git(['clone', '--quiet', repo.url, dir]);
    expect((await git(['rev-parse', 'HEAD'], dir)).trim()).toBe(await repo.head());
    expect(await readFile(join(dir, 'deploy/app.yaml'), 'utf8')).toBe('kind: ConfigMap\n');
    expect(await repo.files(await repo.head())).toEqual(['README.md', 'deploy/app.yaml']);
  });

  it('accepts a push over HTTP and shows it as the new head', async () => {
    const repo = await server.createRepository('push-here', { files: { 'a.txt': '1\n' } });
    const dir = join(work.path, 'push-here');
    await git(['clone', '--quiet', repo.url, dir]);
    await git(['commit', '--quiet', '--allow-empty', '-m', 'from a client'], dir);
    await git(['push', '--quiet', 'origin', 'HEAD:refs/heads/main'], dir);
    expect(await repo.head()).toBe((await git(['rev-parse', 'HEAD'], dir)).trim());
  });

  it('moves heads with fixture commits, branches and tags', async () => {
    const repo = await server.createRepository('history', { files: { 'v.txt': '1\n' } });
    const first = await repo.head();
    const second = await repo.commit({ 'v.txt': '2\n', 'gone.txt': 'x' }, 'two');
    const third = await repo.commit({ 'gone.txt': null }, 'three');
    expect(new Set([first, second, third]).size).toBe(3);
    expect(await repo.files(third)).toEqual(['v.txt']);
    await repo.tag('v1.0.0', { ref: second, annotated: true });
    await repo.createBranch('release', 'main');
    const remote = await git(['ls-remote', repo.url]);
    expect(remote).toContain(`${second}\trefs/tags/v1.0.0^{}`);
    expect(remote).toContain(`${third}\trefs/heads/release`);
    expect(server.requests().get('GET /history.git/info/refs')).toBeGreaterThanOrEqual(1);
  });

  it('refuses and then recovers while closed and reopened', async () => {
    const repo = await server.createRepository('flaky', { files: { x: 'x' } });
    await server.close();
    await expect(git(['ls-remote', repo.url])).rejects.toThrow(
      /Failed to connect|Connection refused|Could not connect/,
    );
    await server.reopen();
    expect(await git(['ls-remote', repo.url])).toContain('refs/heads/main');
  });
});

describe('git server with authentication', () => {
  let server: GitServer;
  let work: TempDir;
  const git = (args: string[]) => run('git', args, { cwd: work.path, env: gitEnv(work.path) });

  beforeAll(async () => {
    server = await startGitServer({
      basicAuth: { username: 'git', password: 's3cret' },
      bearerToken: 'tok3n',
    });
    work = await makeTempDir('git-auth-client');
  });
  afterAll(async () => {
    await server.stop();
    await work.remove();
  });

  it('refuses anonymous clients and wrong passwords, accepts basic auth and a bearer token', async () => {
    const repo = await server.createRepository('private', { files: { 'secret.txt': 'x' } });
    const withUser = (user: string) => repo.url.replace('http://', `http://${user}@`);
    await expect(git(['ls-remote', repo.url])).rejects.toThrow(
      /terminal prompts disabled|Authentication failed/,
    );
    await expect(git(['ls-remote', withUser('git:wrong')])).rejects.toThrow(
      /Authentication failed/,
    );
    expect(await git(['ls-remote', withUser('git:s3cret')])).toContain('refs/heads/main');
    expect(
      await git(['-c', 'http.extraHeader=Authorization: Bearer tok3n', 'ls-remote', repo.url]),
    ).toContain('refs/heads/main');
    expect(await readdir(work.path)).toEqual([]);
  });
});

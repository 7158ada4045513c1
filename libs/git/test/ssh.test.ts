import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { writeFile, readFile } from 'node:fs/promises';
import {
  makeTempDir,
  run,
  startGitServer,
  startSshGitServer,
  type GitRepositoryFixture,
  type GitServer,
  type SshClientKey,
  type SshGitServer,
  type TempDir,
} from '@tide/harness';
import {
  GitError,
  fetchCommit,
  listRemoteRefs,
  resolveReference,
  sshCredentialsFromSecret,
  type GitReference,
  type RemoteOptions,
} from '../src/index.js';

/** The transport against a real OpenSSH sshd serving the HTTP server's bare repositories. */
describe('Git over SSH against OpenSSH sshd', () => {
  let http: GitServer;
  let sshd: SshGitServer;
  let temp: TempDir;
  let repo: GitRepositoryFixture;
  let key: SshClientKey;
  const commits: Record<string, string> = {};

  beforeAll(async () => {
    http = await startGitServer();
    temp = await makeTempDir('git-ssh');
    repo = await http.createRepository('app', {
      files: { 'deploy/app.yaml': 'replicas: 1\n' },
      message: 'first',
    });
    commits.first = await repo.head();
    await repo.tag('v1.0.0');
    commits.second = await repo.commit({ 'deploy/app.yaml': 'replicas: 2\n' }, 'second');
    await repo.tag('v1.2.0', { annotated: true });
    commits.third = await repo.commit({ 'README.md': '# app\n' }, 'third');
    commits.feature = await repo.commit({ 'f.txt': 'f\n' }, 'feature', { branch: 'feature' });
    sshd = await startSshGitServer({
      root: dirname(repo.bareDir),
      hostKeyTypes: ['ed25519', 'ecdsa', 'rsa'],
    });
    key = await sshd.createClientKey();
  });
  afterAll(async () => {
    await sshd.stop();
    await http.stop();
    await temp.remove();
  });

  const secret = (identity: SshClientKey, knownHosts = sshd.knownHosts()) => ({
    identity: identity.privateKey,
    'identity.pub': identity.publicKey,
    known_hosts: knownHosts,
    ...(identity.passphrase === undefined ? {} : { password: identity.passphrase }),
  });
  const remote = (
    identity: SshClientKey = key,
    knownHosts?: string,
    extra: Partial<RemoteOptions> = {},
  ): RemoteOptions => ({
    url: sshd.urlFor('app'),
    timeoutMs: 10_000,
    ssh: sshCredentialsFromSecret(secret(identity, knownHosts), 'ns/ssh-auth'),
    ...extra,
  });
  /** The URL as messages show it: user info redacted like any URL's. */
  const shown = (name: string) => sshd.urlFor(name).replace(`${sshd.user}@`, '');
  const failure = async (promise: Promise<unknown>): Promise<GitError> => {
    const error: unknown = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof GitError)) throw new Error(`expected a GitError, got ${String(error)}`);
    return error;
  };

  it.each<[string, GitReference, string, string]>([
    ['a branch', { branch: 'main' }, 'main', 'third'],
    ['another branch', { branch: 'feature' }, 'feature', 'feature'],
    ['a lightweight tag', { tag: 'v1.0.0' }, 'v1.0.0', 'first'],
    ['an annotated tag, peeled to its commit', { tag: 'v1.2.0' }, 'v1.2.0', 'second'],
    ['the highest tag in a semver range', { semver: '^1.0.0' }, 'v1.2.0', 'second'],
  ])('resolves and fetches %s', async (_name, ref, label, which) => {
    const resolved = await resolveReference(remote(), ref);
    const commit = commits[which] ?? '';
    expect(resolved.revision).toBe(`${label}@sha1:${commit}`);
    const { store, bytes } = await fetchCommit(remote(), resolved);
    expect(bytes).toBeGreaterThan(0);
    const files = (await store.listTree(commit)).map((f) => f.path).sort();
    expect(files).toEqual(await repo.files(commit));
  });

  it('fetches a pinned commit, with and without its branch', async () => {
    for (const ref of [
      { commit: commits.first ?? '' },
      { branch: 'main', commit: commits.second ?? '' },
    ]) {
      const resolved = await resolveReference(remote(), ref);
      const { store } = await fetchCommit(remote(), resolved);
      expect(store.has(resolved.commit)).toBe(true);
    }
    const missing = await failure(
      fetchCommit(
        remote(),
        await resolveReference(remote(), { branch: 'main', commit: commits.feature ?? '' }),
      ),
    );
    expect(missing.reason).toBe('NotFound');
  });

  it('went over SSH: sshd ran git-upload-pack on the repository', async () => {
    await listRemoteRefs(remote());
    expect(await sshd.commands()).toContain('git-upload-pack /app.git');
  });

  it.each<[string, Parameters<SshGitServer['createClientKey']>[0]]>([
    ['an rsa key', { type: 'rsa' }],
    ['an ecdsa key in PEM', { type: 'ecdsa', format: 'pem' }],
    ['a passphrase-protected ed25519 key', { passphrase: 'correct horse' }],
    ['a passphrase-protected rsa PEM key', { type: 'rsa', format: 'pem', passphrase: 'pa55word' }],
  ])('authenticates with %s', async (_name, options) => {
    const identity = await sshd.createClientKey(options);
    const resolved = await resolveReference(remote(identity), { branch: 'main' });
    expect(resolved.commit).toBe(commits.third);
  });

  it('refuses an encrypted key without its password, or with a wrong one', async () => {
    const identity = await sshd.createClientKey({ passphrase: 'right-one' });
    const noPassword: Record<string, string> = { ...secret(identity) };
    delete noPassword.password;
    expect(() => sshCredentialsFromSecret(noPassword, 'ns/ssh-auth')).toThrow(
      /secret ns\/ssh-auth: 'identity': the key is encrypted and the secret has no 'password'/,
    );
    expect(() =>
      sshCredentialsFromSecret({ ...secret(identity), password: 'wrong-one' }, 'ns/ssh-auth'),
    ).toThrow(/the 'password' does not decrypt the key/);
  });

  it('refuses a wrong identity, naming the user and the key it used', async () => {
    const stranger = await sshd.createClientKey({ authorize: false });
    const error = await failure(listRemoteRefs(remote(stranger)));
    expect(error.reason).toBe('AuthenticationFailed');
    expect(error.message).toBe(
      `authentication failed for ${shown('app')}: 127.0.0.1:${sshd.port} did not accept the secret's 'identity' key (ssh-ed25519 ${await fingerprint(stranger.publicKey)}) for user "${sshd.user}"`,
    );
  });

  it('refuses a host whose key is not the one in known_hosts, naming host, type and fingerprint', async () => {
    const impostor = await startSshGitServer({ root: dirname(repo.bareDir) });
    try {
      const identity = await impostor.createClientKey();
      const offered = fingerprint(impostor.hostKeys[0]?.publicKey ?? '');
      // known_hosts lists the real server's keys under the impostor's address.
      const knownHosts = sshd.knownHosts().replaceAll(`:${sshd.port} `, `:${impostor.port} `);
      const error = await failure(
        listRemoteRefs({ ...remote(identity, knownHosts), url: impostor.urlFor('app') }),
      );
      expect(error.reason).toBe('AuthenticationFailed');
      expect(error.message).toContain(
        `host key refused: the host key of [127.0.0.1]:${impostor.port} does not match known_hosts: offered ssh-ed25519 ${await offered}`,
      );
      expect(await impostor.commands()).toEqual([]);
    } finally {
      await impostor.stop();
    }
  });

  it('refuses a host known_hosts does not list at all', async () => {
    const error = await failure(
      listRemoteRefs(remote(key, `[127.0.0.1]:1 ${sshd.hostKeys[0]?.publicKey ?? ''}\n`)),
    );
    expect(error.message).toMatch(
      new RegExp(
        `known_hosts has no entry for \\[127\\.0\\.0\\.1\\]:${sshd.port}, which offered ssh-ed25519 SHA256:`,
      ),
    );
  });

  it('asks for the host key type known_hosts lists (ecdsa only, rsa only)', async () => {
    for (const type of ['ecdsa', 'rsa'] as const) {
      const resolved = await resolveReference(remote(key, sshd.knownHosts(type)), {
        tag: 'v1.0.0',
      });
      expect(resolved.commit).toBe(commits.first);
    }
  });

  it('accepts hashed known_hosts entries (ssh-keygen -H) and refuses @revoked keys', async () => {
    const file = join(temp.path, 'known_hosts');
    await writeFile(file, sshd.knownHosts('ed25519'));
    await run('ssh-keygen', ['-q', '-H', '-f', file]);
    const hashed = await readFile(file, 'utf8');
    expect(hashed).toMatch(/^\|1\|/);
    expect((await resolveReference(remote(key, hashed), { branch: 'main' })).commit).toBe(
      commits.third,
    );
    const revoked = `${sshd.knownHosts()}@revoked * ${sshd.hostKeys[0]?.publicKey ?? ''}\n`;
    const error = await failure(listRemoteRefs(remote(key, sshd.knownHosts('ed25519') + revoked)));
    expect(error.message).toMatch(
      /host key refused: the key ssh-ed25519 SHA256:\S+ offered by \[127\.0\.0\.1\]:\d+ is marked @revoked/,
    );
  });

  it('refuses to fetch an SSH URL without credentials', async () => {
    const error = await failure(listRemoteRefs({ url: sshd.urlFor('app'), timeoutMs: 5000 }));
    expect(error.message).toBe(
      `${shown('app')}: SSH Git URLs need a secretRef with 'identity' (private key) and 'known_hosts'`,
    );
  });

  it('reports a repository the server does not have as not found', async () => {
    const error = await failure(listRemoteRefs({ ...remote(), url: sshd.urlFor('nope') }));
    expect(error.reason).toBe('NotFound');
    expect(error.message).toContain('no such repository');
  });

  it('stops at the byte budget', async () => {
    const resolved = await resolveReference(remote(), { branch: 'main' });
    const error = await failure(fetchCommit(remote(key, undefined, { maxBytes: 200 }), resolved));
    expect(error.reason).toBe('TooLarge');
    expect(error.message).toContain('larger than the limit of 200 bytes');
  });

  it('times out on a server that accepts and never speaks SSH', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const started = Date.now();
      const error = await failure(
        listRemoteRefs({ ...remote(), url: `ssh://git@127.0.0.1:${port}/app.git`, timeoutMs: 700 }),
      );
      expect(error.reason).toBe('Timeout');
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => {
        silent.close(() => {
          resolve();
        });
      });
    }
  });
});

/** `SHA256:…` of a `<type> <base64>` public key, as ssh-keygen -l prints it. */
async function fingerprint(publicKey: string): Promise<string> {
  const dir = await makeTempDir('fingerprint');
  try {
    const file = join(dir.path, 'key.pub');
    await writeFile(file, `${publicKey}\n`);
    return (await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', file])).split(' ')[1] ?? '';
  } finally {
    await dir.remove();
  }
}

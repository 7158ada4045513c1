import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  gitEnv,
  makeTempDir,
  run,
  startGitServer,
  startSshGitServer,
  tempPrefix,
  type GitRepositoryFixture,
  type GitServer,
  type SshClientKey,
  type SshGitServer,
  type TempDir,
} from '../src/index.js';

/** OpenSSH's own client is the oracle: what it can clone, the server really serves. */
describe('SSH git server (OpenSSH sshd serving the HTTP server’s repositories)', () => {
  let http: GitServer;
  let sshd: SshGitServer;
  let work: TempDir;
  let repo: GitRepositoryFixture;
  let key: SshClientKey;

  const sshCommand = async (identity: SshClientKey, knownHosts: string): Promise<string> => {
    const keyFile = join(work.path, `id-${identity.type}-${Date.now()}`);
    const knownHostsFile = join(work.path, `known_hosts-${Date.now()}`);
    await writeFile(keyFile, identity.privateKey, { mode: 0o600 });
    await writeFile(knownHostsFile, knownHosts);
    return [
      'ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes',
      `-o StrictHostKeyChecking=yes -o UserKnownHostsFile=${knownHostsFile}`,
      `-i ${keyFile}`,
    ].join(' ');
  };
  const git = (args: string[], sshCommandLine: string) =>
    run('git', args, {
      cwd: work.path,
      env: { ...gitEnv(work.path), GIT_SSH_COMMAND: sshCommandLine },
    });

  beforeAll(async () => {
    http = await startGitServer();
    work = await makeTempDir('ssh-client');
    repo = await http.createRepository('over-ssh', { files: { 'app.yaml': 'kind: ConfigMap\n' } });
    sshd = await startSshGitServer({
      root: dirname(repo.bareDir),
      hostKeyTypes: ['ed25519', 'ecdsa'],
    });
    key = await sshd.createClientKey();
  });
  afterAll(async () => {
    await sshd.stop();
    await http.stop();
    await work.remove();
  });

  it('serves a clone over ssh:// of the same bare repository, and logs the command', async () => {
    const dir = join(work.path, 'clone');
    await git(
      ['clone', '--quiet', sshd.urlFor(repo.bareDir), dir],
      await sshCommand(key, sshd.knownHosts()),
    );
    expect(await readFile(join(dir, 'app.yaml'), 'utf8')).toBe('kind: ConfigMap\n');
    expect(await sshd.commands()).toContain('git-upload-pack /over-ssh.git');
  });

  it('accepts a push through git-receive-pack', async () => {
    const dir = join(work.path, 'push');
    const ssh = await sshCommand(key, sshd.knownHosts());
    await git(['clone', '--quiet', sshd.urlFor('over-ssh'), dir], ssh);
    await writeFile(join(dir, 'b.txt'), 'b\n');
    await run('git', ['add', 'b.txt'], { cwd: dir, env: gitEnv(work.path) });
    await run('git', ['commit', '--quiet', '-m', 'b'], { cwd: dir, env: gitEnv(work.path) });
    await run('git', ['push', '--quiet', 'origin', 'HEAD:main'], {
      cwd: dir,
      env: { ...gitEnv(work.path), GIT_SSH_COMMAND: ssh },
    });
    expect(await repo.files(await repo.head())).toEqual(['app.yaml', 'b.txt']);
  });

  it('lists one known_hosts line per host key, in [host]:port form', () => {
    const lines = sshd.knownHosts().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} ssh-ed25519 AAAA`));
    expect(lines[1]).toMatch(/ ecdsa-sha2-nistp256 AAAA/);
    expect(sshd.knownHosts('ecdsa').trim().split('\n')).toHaveLength(1);
  });

  it.each([
    ['rsa', 'openssh'],
    ['ecdsa', 'pem'],
  ] as const)('makes %s client keys (%s format) with a passphrase', async (type, format) => {
    const made = await sshd.createClientKey({ type, format, passphrase: 'hunter2' });
    expect(made.publicKey).toMatch(type === 'rsa' ? /^ssh-rsa / : /^ecdsa-sha2-nistp256 /);
    expect(made.privateKey).toContain(format === 'pem' ? 'ENCRYPTED' : 'OPENSSH PRIVATE KEY');
    const keyFile = join(work.path, `passphrase-${type}`);
    await writeFile(keyFile, made.privateKey, { mode: 0o600 });
    const derived = await run('ssh-keygen', ['-y', '-P', 'hunter2', '-f', keyFile]);
    const firstTwo = (line: string) => line.trim().split(' ').slice(0, 2).join(' ');
    expect(firstTwo(derived)).toBe(firstTwo(made.publicKey));
  });

  it('refuses a key it was not given, and commands other than git’s', async () => {
    const stranger = await sshd.createClientKey({ authorize: false });
    await expect(
      git(['ls-remote', sshd.urlFor('over-ssh')], await sshCommand(stranger, sshd.knownHosts())),
    ).rejects.toThrow(/Permission denied \(publickey\)/);
    const ssh = await sshCommand(key, sshd.knownHosts());
    await expect(
      run('sh', ['-c', `${ssh} -p ${sshd.port} ${sshd.user}@127.0.0.1 cat /etc/passwd`]),
    ).rejects.toThrow(/only git-upload-pack and git-receive-pack are served/);
    await expect(
      run('sh', [
        '-c',
        `${ssh} -p ${sshd.port} ${sshd.user}@127.0.0.1 "git-upload-pack '/../x.git'"`,
      ]),
    ).rejects.toThrow(/no such repository/);
  });

  it('leaves no process and no temp dir behind after stop()', async () => {
    const other = await startSshGitServer({ root: dirname(repo.bareDir) });
    const before = (await readdir(tmpdir())).filter((name) =>
      name.startsWith(`${tempPrefix}sshd-`),
    );
    await other.stop();
    const after = (await readdir(tmpdir())).filter((name) => name.startsWith(`${tempPrefix}sshd-`));
    expect(before.length - after.length).toBe(1);
    expect(await connects(other.port)).toBe(false);
  });
});

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

import { mkdir, readFile, appendFile, writeFile, chmod } from 'node:fs/promises';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { freePort, waitFor } from './net.js';
import { run, startProcess, type ManagedProcess } from './process.js';
import { makeTempDir } from './temp.js';

/** Key types ssh-keygen makes for hosts and clients. */
export type SshKeyType = 'ed25519' | 'rsa' | 'ecdsa';

export interface SshGitServerOptions {
  /** The directory of bare repositories to serve (`<name>.git`), e.g. the HTTP server's. */
  readonly root: string;
  /** Host key types, in the order sshd offers them (default: ed25519 only). */
  readonly hostKeyTypes?: readonly SshKeyType[];
}

export interface SshClientKeyOptions {
  readonly type?: SshKeyType;
  /** Encrypts the private key with this passphrase. */
  readonly passphrase?: string;
  /** `pem` writes the legacy PEM format (rsa and ecdsa only); default OpenSSH's own format. */
  readonly format?: 'openssh' | 'pem';
  /** Adds the key to authorized_keys (default true). */
  readonly authorize?: boolean;
}

export interface SshClientKey {
  readonly type: SshKeyType;
  /** The private key file's content, as a GitRepository secret's `identity`. */
  readonly privateKey: string;
  /** `<type> <base64> <comment>`, as `identity.pub`. */
  readonly publicKey: string;
  readonly passphrase?: string;
}

export interface SshHostKey {
  readonly type: SshKeyType;
  /** `<algorithm> <base64>` without comment. */
  readonly publicKey: string;
}

export interface SshGitServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The user sshd lets in: the one running the tests (sshd cannot switch users). */
  readonly user: string;
  readonly hostKeys: readonly SshHostKey[];
  /** `[127.0.0.1]:<port> <key>` for each host key (or only those of `type`), one per line. */
  knownHosts(type?: SshKeyType): string;
  /** `ssh://<user>@127.0.0.1:<port>/<name>.git` for a repository under root (a name or bare dir). */
  urlFor(repository: string): string;
  createClientKey(options?: SshClientKeyOptions): Promise<SshClientKey>;
  /** Lets a public key in (only git-upload-pack / git-receive-pack). */
  authorize(publicKey: string): Promise<void>;
  /** The commands sessions ran, e.g. `git-upload-pack /repo.git`, oldest first. */
  commands(): Promise<string[]>;
  stop(): Promise<void>;
}

const sshd = '/usr/sbin/sshd';
/** sshd started as root insists on its privilege separation directory (Debian's service makes it). */
const privsepDir = '/run/sshd';

/**
 * A real OpenSSH sshd on a free loopback port, run as the current user with its own config,
 * host keys and authorized_keys in a temp dir. Every key may only run git-upload-pack or
 * git-receive-pack on a bare repository under `root`, through a forced command.
 */
export async function startSshGitServer(options: SshGitServerOptions): Promise<SshGitServer> {
  const temp = await makeTempDir('sshd');
  let sshdProcess: ManagedProcess | undefined;
  try {
    const port = await freePort();
    const user = userInfo().username;
    const hostKeys: SshHostKey[] = [];
    const hostKeyFiles: string[] = [];
    for (const type of options.hostKeyTypes ?? ['ed25519']) {
      const file = join(temp.path, `host_${type}_key`);
      await keygen(type, file, '', 'openssh');
      hostKeyFiles.push(file);
      hostKeys.push({ type, publicKey: withoutComment(await readFile(`${file}.pub`, 'utf8')) });
    }
    const authorizedKeys = join(temp.path, 'authorized_keys');
    const commandLog = join(temp.path, 'commands.log');
    const gitShell = join(temp.path, 'git-shell.sh');
    await writeFile(authorizedKeys, '', { mode: 0o600 });
    await writeFile(commandLog, '');
    await writeFile(gitShell, gitShellScript(options.root, commandLog));
    await chmod(gitShell, 0o755);
    const config = join(temp.path, 'sshd_config');
    await writeFile(config, sshdConfig({ port, hostKeyFiles, authorizedKeys }));
    if (process.getuid?.() === 0) await mkdir(privsepDir, { recursive: true, mode: 0o755 });
    sshdProcess = startProcess({
      name: 'sshd',
      command: sshd,
      args: ['-D', '-e', '-f', config],
      logFile: join(temp.path, 'sshd.log'),
    });
    const started = sshdProcess;
    await waitFor(
      async () => {
        if (!started.running()) throw new Error(`sshd exited: ${started.logTail()}`);
        return (await accepts(port)) ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50, what: `sshd on 127.0.0.1:${port}` },
    );
    let keyCount = 0;
    const authorize = async (publicKey: string): Promise<void> => {
      const options = `restrict,command="${gitShell}"`;
      await appendFile(authorizedKeys, `${options} ${withoutComment(publicKey)}\n`);
    };
    return {
      host: '127.0.0.1',
      port,
      user,
      hostKeys,
      knownHosts: (type) =>
        hostKeys
          .filter((key) => type === undefined || key.type === type)
          .map((key) => `[127.0.0.1]:${port} ${key.publicKey}\n`)
          .join(''),
      urlFor: (repository) => {
        const name = basename(repository).replace(/\.git$/, '');
        return `ssh://${user}@127.0.0.1:${port}/${name}.git`;
      },
      async createClientKey(keyOptions = {}) {
        const type = keyOptions.type ?? 'ed25519';
        keyCount += 1;
        const file = join(temp.path, `client_${keyCount}_${type}`);
        await keygen(type, file, keyOptions.passphrase ?? '', keyOptions.format ?? 'openssh');
        const key: SshClientKey = {
          type,
          privateKey: await readFile(file, 'utf8'),
          publicKey: (await readFile(`${file}.pub`, 'utf8')).trim(),
          ...(keyOptions.passphrase === undefined ? {} : { passphrase: keyOptions.passphrase }),
        };
        if (keyOptions.authorize !== false) await authorize(key.publicKey);
        return key;
      },
      authorize,
      async commands() {
        const text = await readFile(commandLog, 'utf8');
        return text.split('\n').filter((line) => line !== '');
      },
      async stop() {
        await sshdProcess?.stop();
        await temp.remove();
      },
    };
  } catch (error) {
    await sshdProcess?.stop();
    await temp.remove();
    throw error;
  }
}

function sshdConfig(options: {
  port: number;
  hostKeyFiles: readonly string[];
  authorizedKeys: string;
}): string {
  return [
    `Port ${options.port}`,
    'ListenAddress 127.0.0.1',
    ...options.hostKeyFiles.map((file) => `HostKey ${file}`),
    'PidFile none',
    'UsePAM no',
    'StrictModes no',
    `AuthorizedKeysFile ${options.authorizedKeys}`,
    'AuthenticationMethods publickey',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'AllowTcpForwarding no',
    'X11Forwarding no',
    'PrintMotd no',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

/**
 * The forced command: accepts only `git-upload-pack '<path>'` / `git-receive-pack '<path>'`
 * (as git and Tide send them) naming a repository directly under root, logs it, runs it.
 */
function gitShellScript(root: string, commandLog: string): string {
  return `#!/bin/sh
set -eu
refuse() { echo "tide-test sshd: $1" >&2; exit 1; }
command=\${SSH_ORIGINAL_COMMAND:-}
program=\${command%% *}
argument=\${command#* }
case "$program" in
  git-upload-pack|git-receive-pack) ;;
  *) refuse "only git-upload-pack and git-receive-pack are served" ;;
esac
case "$argument" in
  "'"*"'") argument=\${argument#"'"}; argument=\${argument%"'"} ;;
  *) refuse "the repository path must be single-quoted" ;;
esac
path=\${argument#/}
case "$path" in
  ''|*/*|*..*|*"'"*) refuse "no such repository: $argument" ;;
esac
[ -d '${root}'/"$path" ] || refuse "no such repository: $argument"
echo "$program $argument" >> '${commandLog}'
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
exec "$program" '${root}'/"$path"
`;
}

async function keygen(
  type: SshKeyType,
  file: string,
  passphrase: string,
  format: 'openssh' | 'pem',
): Promise<void> {
  const bits = type === 'rsa' ? ['-b', '3072'] : type === 'ecdsa' ? ['-b', '256'] : [];
  await run('ssh-keygen', [
    '-q',
    '-t',
    type,
    ...bits,
    ...(format === 'pem' ? ['-m', 'PEM'] : []),
    '-N',
    passphrase,
    '-C',
    `tide-test-${type}`,
    '-f',
    file,
  ]);
}

function withoutComment(publicKey: string): string {
  return publicKey.trim().split(/\s+/).slice(0, 2).join(' ');
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import ssh2 from 'ssh2';
import type { AuthContext, Connection } from 'ssh2';
import { GitError, listRemoteRefs, sshCredentialsFromSecret } from '../src/index.js';

/**
 * A server (ssh2's) that would let anyone in through keyboard-interactive or password:
 * Tide must still try its key only, and fail, as Flux does.
 */
/**
 * An ed25519 key pair from ssh2's generator, which now and then (about 3 in 1,000) writes a
 * private key that neither it nor ssh-keygen can read: drawn again until it reads.
 */
function readableKeyPair(): { readonly private: string; readonly public: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair;
  }
}

describe('SSH authentication methods', () => {
  const host = readableKeyPair();
  const client = readableKeyPair();
  const attempted: string[] = [];
  const connections: Connection[] = [];
  let server: ssh2.Server;
  let port = 0;

  beforeAll(async () => {
    server = new ssh2.Server({ hostKeys: [host.private] }, (connection) => {
      connections.push(connection);
      connection.on('authentication', (ctx: AuthContext) => {
        attempted.push(ctx.method);
        if (ctx.method === 'keyboard-interactive') {
          ctx.prompt([{ prompt: 'Password: ', echo: false }], () => {
            ctx.accept();
          });
        } else if (ctx.method === 'password') ctx.accept();
        else ctx.reject(['keyboard-interactive', 'password']);
      });
      connection.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => {
      server.listen(0, '127.0.0.1', () => {
        resolve();
      });
    });
    const address = server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  });
  afterAll(async () => {
    for (const connection of connections) connection.end();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  });

  it('never tries keyboard-interactive or a password, even when the server offers them', async () => {
    const publicKey = host.public.trim().split(' ').slice(0, 2).join(' ');
    const ssh = sshCredentialsFromSecret(
      {
        identity: client.private,
        password: 'would-be-a-login-password',
        known_hosts: `[127.0.0.1]:${port} ${publicKey}\n`,
      },
      'ns/auth',
    );
    const failure: unknown = await listRemoteRefs({
      url: `ssh://git@127.0.0.1:${port}/repo.git`,
      timeoutMs: 5000,
      ssh,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(GitError);
    expect((failure as GitError).reason).toBe('AuthenticationFailed');
    expect((failure as GitError).message).toMatch(/did not accept the secret's 'identity' key/);
    expect(attempted).toEqual(['publickey']);
  });
});

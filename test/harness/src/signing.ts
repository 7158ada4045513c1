/**
 * Throwaway signing keys for signature tests, made with the real tools: an OpenPGP key in
 * its own GNUPGHOME (gpg) and an SSH key (ssh-keygen), each in a tide-test-* temp dir that
 * remove() deletes. `signing` is what git-server's commit/tag options take.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitSigning } from './git-server.js';
import { run } from './process.js';
import { makeTempDir } from './temp.js';

export interface SigningKey {
  /** How git signs with this key. */
  readonly signing: GitSigning;
  /** The public key as a verify Secret holds it (armored OpenPGP, or an SSH public key line). */
  readonly publicKey: string;
  /** OpenPGP: the primary key's long key ID; SSH: the `SHA256:` fingerprint. */
  readonly id: string;
  remove(): Promise<void>;
}

/** An ed25519 OpenPGP key with no passphrase, in a GNUPGHOME of its own. */
export async function makeGpgKey(email = 'signer@tide.invalid'): Promise<SigningKey> {
  const temp = await makeTempDir('gnupg');
  const env = { ...process.env, GNUPGHOME: temp.path };
  const gpg = (args: readonly string[]) =>
    run('gpg', ['--batch', '--no-tty', '--pinentry-mode', 'loopback', ...args], { env });
  try {
    await gpg([
      '--passphrase',
      '',
      '--quick-generate-key',
      `Tide Signer <${email}>`,
      'ed25519',
      'sign',
      'never',
    ]);
    const colons = await gpg(['--with-colons', '--list-keys', email]);
    const id = /^pub:[^:]*:[^:]*:[^:]*:([0-9A-F]{16}):/m.exec(colons)?.[1];
    if (id === undefined) throw new Error(`gpg listed no key for ${email}:\n${colons}`);
    const publicKey = await gpg(['--armor', '--export', email]);
    return {
      signing: { config: { 'gpg.format': 'openpgp', 'user.signingkey': id }, env },
      publicKey,
      id,
      remove: async () => {
        await run('gpgconf', ['--kill', 'all'], { env }).catch(() => '');
        await temp.remove();
      },
    };
  } catch (error) {
    await temp.remove();
    throw error;
  }
}

/** An SSH signing key (`ssh-keygen -t <type> [-b <bits>]`) with no passphrase. */
export async function makeSshSigningKey(
  type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519',
  bits?: number,
): Promise<SigningKey> {
  const temp = await makeTempDir('sshsign');
  const keyFile = join(temp.path, 'id');
  try {
    await run('ssh-keygen', [
      '-q',
      '-t',
      type,
      ...(bits === undefined ? [] : ['-b', String(bits)]),
      '-N',
      '',
      '-C',
      'signer@tide.invalid',
      '-f',
      keyFile,
    ]);
    const publicKey = (await readFile(`${keyFile}.pub`, 'utf8')).trim();
    const printed = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${keyFile}.pub`]);
    const id = /SHA256:[A-Za-z0-9+/]+/.exec(printed)?.[0];
    if (id === undefined) throw new Error(`ssh-keygen printed no fingerprint: ${printed}`);
    return {
      signing: { config: { 'gpg.format': 'ssh', 'user.signingkey': keyFile } },
      publicKey,
      id,
      remove: () => temp.remove(),
    };
  } catch (error) {
    await temp.remove();
    throw error;
  }
}

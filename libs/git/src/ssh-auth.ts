import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { GitError } from './errors.js';
import { KnownHosts } from './ssh-known-hosts.js';

/** What Tide authenticates an SSH Git server with, and how it knows the server. */
export interface SshCredentials {
  /** The private key, already decrypted with the secret's `password`. */
  readonly identity: ParsedKey;
  readonly knownHosts: KnownHosts;
}

/**
 * Reads the Secret data keys Flux documents for Git over SSH: `identity` (the private key,
 * OpenSSH or PEM), `password` (the key's passphrase, when it has one) and `known_hosts`
 * (mandatory). `identity.pub` may be present and is not needed; `username` and
 * `bearerToken` mean nothing over SSH (the user comes from the URL, `git` by default).
 * As in Flux there is no password-only or keyboard-interactive login: a key is required.
 */
export function sshCredentialsFromSecret(
  data: Readonly<Record<string, Uint8Array | string>>,
  secretName: string,
): SshCredentials {
  const bytes = (key: string): Buffer | undefined => {
    const value = data[key];
    if (value === undefined) return undefined;
    return typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  };
  const identity = bytes('identity');
  const knownHosts = bytes('known_hosts');
  if (identity === undefined || identity.length === 0) {
    throw new GitError(
      'AuthenticationFailed',
      `secret ${secretName}: has no 'identity' (the SSH private key); SSH Git URLs need one`,
    );
  }
  if (knownHosts === undefined || knownHosts.length === 0) {
    throw new GitError(
      'AuthenticationFailed',
      `secret ${secretName}: has no 'known_hosts'; SSH host keys must be listed to be trusted (e.g. from ssh-keyscan)`,
    );
  }
  const passphrase = bytes('password');
  return {
    identity: parseIdentity(identity, passphrase, secretName),
    knownHosts: KnownHosts.parse(knownHosts.toString('utf8'), `secret ${secretName}: known_hosts`),
  };
}

/** Refusal when an SSH URL is fetched with no secretRef at all. */
export function missingSshSecret(url: string): GitError {
  return new GitError(
    'AuthenticationFailed',
    `${url}: SSH Git URLs need a secretRef with 'identity' (private key) and 'known_hosts'`,
  );
}

function parseIdentity(
  identity: Buffer,
  passphrase: Buffer | undefined,
  secretName: string,
): ParsedKey {
  const parsed = ssh2.utils.parseKey(identity, passphrase);
  const first = Array.isArray(parsed) ? (parsed as unknown[])[0] : parsed;
  if (first instanceof Error || first === undefined) {
    const message = first instanceof Error ? first.message : 'no key found';
    const why = /passphrase|encrypted|decrypt|bad decrypt/i.test(message)
      ? passphrase === undefined
        ? "the key is encrypted and the secret has no 'password'"
        : "the 'password' does not decrypt the key"
      : `not a private key ssh2 can read (${message})`;
    throw new GitError('AuthenticationFailed', `secret ${secretName}: 'identity': ${why}`);
  }
  const key = first as ParsedKey;
  if (!key.isPrivateKey()) {
    throw new GitError(
      'AuthenticationFailed',
      `secret ${secretName}: 'identity' holds a public key; it must hold the private key`,
    );
  }
  return key;
}

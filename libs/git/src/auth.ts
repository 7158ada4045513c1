import { hasUserInfo, isCleartextToNetwork } from '@tide/artifact';
import { GitError, redactUrl } from './errors.js';

/** Credentials for a Git server, from the keys of a GitRepository's `secretRef` Secret. */
export interface GitCredentials {
  readonly username?: string;
  readonly password?: string;
  readonly bearerToken?: string;
  /** PEM of a CA to trust for HTTPS (`ca.crt`). */
  readonly caPem?: string;
}

/**
 * Reads the Secret data keys Flux documents for Git over HTTP(S): `username` + `password`
 * (basic auth), `bearerToken`, and `ca.crt` (legacy `caFile`). Values are the decoded bytes.
 */
export function credentialsFromSecret(
  data: Readonly<Record<string, Uint8Array | string>>,
  secretName: string,
): GitCredentials {
  const text = (key: string): string | undefined => {
    const value = data[key];
    if (value === undefined) return undefined;
    return typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
  };
  const username = text('username');
  const password = text('password');
  const bearerToken = text('bearerToken');
  const caPem = text('ca.crt') ?? text('caFile');
  if (username !== undefined && password === undefined) {
    throw new GitError(
      'InvalidReference',
      `secret ${secretName}: has 'username' but no 'password'`,
    );
  }
  if (bearerToken !== undefined && username !== undefined) {
    throw new GitError(
      'InvalidReference',
      `secret ${secretName}: set either 'username'/'password' or 'bearerToken', not both`,
    );
  }
  return {
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(bearerToken === undefined ? {} : { bearerToken }),
    ...(caPem === undefined ? {} : { caPem }),
  };
}

/** The Authorization header for the credentials, sent on every request (no challenge round trip). */
export function authorizationHeaders(
  credentials: GitCredentials | undefined,
): Record<string, string> {
  if (credentials?.bearerToken !== undefined)
    return { authorization: `Bearer ${credentials.bearerToken}` };
  if (credentials?.username !== undefined) {
    const token = Buffer.from(`${credentials.username}:${credentials.password ?? ''}`).toString(
      'base64',
    );
    return { authorization: `Basic ${token}` };
  }
  return {};
}

/**
 * Refuses to send credentials (from the Secret, or user info in the URL, which the transport
 * would send as basic auth) in clear text across a network. Flux's GitRepository has no
 * opt-in field for this, so the only fix is an https:// URL (or a loopback address).
 */
export function refuseCleartextCredentials(
  url: string,
  credentials: GitCredentials | undefined,
): void {
  if (!isCleartextToNetwork(url)) return;
  const sent =
    credentials?.bearerToken !== undefined
      ? "the secretRef's bearerToken"
      : credentials?.username !== undefined
        ? "the secretRef's username/password"
        : hasUserInfo(url)
          ? 'the user info in the URL'
          : undefined;
  if (sent === undefined) return;
  throw new GitError(
    'Unsupported',
    `${redactUrl(url)}: refusing to send ${sent} over plain http, where anyone on the network can read it; use an https:// URL`,
  );
}

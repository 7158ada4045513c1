import { hasUserInfo, isCleartextToNetwork } from '@tide/artifact';
import { GitError, redactUrl } from './errors.js';

/** Credentials for a Git server, from the keys of a GitRepository's `secretRef` Secret. */
export interface GitCredentials {
  readonly username?: string;
  readonly password?: string;
  readonly bearerToken?: string;
  /** PEM of a CA to trust for HTTPS (`ca.crt`). */
  readonly caPem?: string;
  /** PEM of the client certificate presented over HTTPS (`tls.crt`, with `tls.key`). */
  readonly certPem?: string;
  /** PEM of the client certificate's private key (`tls.key`). */
  readonly keyPem?: string;
}

/**
 * Reads the Secret data keys Flux documents for Git over HTTP(S): `username` + `password`
 * (basic auth), `bearerToken`, `ca.crt` (legacy `caFile`), and `tls.crt` + `tls.key` (a
 * client certificate for mutual TLS; one without the other is an error, as in Flux).
 * Values are the decoded bytes.
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
  const certPem = text('tls.crt');
  const keyPem = text('tls.key');
  if ((certPem === undefined) !== (keyPem === undefined)) {
    const [has, lacks] = certPem === undefined ? ['tls.key', 'tls.crt'] : ['tls.crt', 'tls.key'];
    throw new GitError(
      'InvalidReference',
      `secret ${secretName}: has '${has}' but no '${lacks}'; a TLS client certificate needs both`,
    );
  }
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
    ...(certPem === undefined || keyPem === undefined ? {} : { certPem, keyPem }),
  };
}

/**
 * A client certificate is a TLS credential: over plain http it would never be presented, and
 * the fetch would go ahead unauthenticated. Refused by name instead of ignored.
 */
export function refuseClientCertificateOverHttp(
  url: string,
  credentials: GitCredentials | undefined,
): void {
  if (credentials?.certPem === undefined || !url.startsWith('http://')) return;
  throw new GitError(
    'Unsupported',
    `${redactUrl(url)}: the secretRef holds a TLS client certificate (tls.crt/tls.key), which is only presented over https; use an https:// URL`,
  );
}

/** The proxy a GitRepository's `proxySecretRef` names. */
export interface ProxySettings {
  /** `http://host:port` of the proxy (user info removed; see username/password). */
  readonly address: string;
  readonly username?: string;
  readonly password?: string;
}

/**
 * Reads the keys Flux documents for `proxySecretRef`: `address` (required), and optional
 * `username` and `password` for basic auth against the proxy. User info in the address is
 * taken as the credentials when the keys are absent. Only http:// proxies are supported
 * (CONNECT for https remotes, plain forwarding for http ones); https:// and socks5:// proxies
 * are refused by name.
 */
export function proxyFromSecret(
  data: Readonly<Record<string, Uint8Array | string>>,
  secretName: string,
): ProxySettings {
  const text = (key: string): string | undefined => {
    const value = data[key];
    if (value === undefined) return undefined;
    return (typeof value === 'string' ? value : Buffer.from(value).toString('utf8')).trim();
  };
  const address = text('address');
  if (address === undefined || address === '') {
    throw new GitError('InvalidReference', `proxy secret ${secretName}: has no 'address'`);
  }
  let parsed: URL;
  try {
    parsed = new URL(address);
  } catch {
    throw new GitError(
      'InvalidReference',
      `proxy secret ${secretName}: 'address' ${JSON.stringify(redactUrl(address))} is not a URL`,
    );
  }
  if (parsed.protocol !== 'http:') {
    throw new GitError(
      'Unsupported',
      `proxy secret ${secretName}: ${parsed.protocol.replace(/:$/, '')} proxies are not supported yet; use an http:// proxy address`,
    );
  }
  const username =
    text('username') ?? (parsed.username === '' ? undefined : decodeURIComponent(parsed.username));
  const password =
    text('password') ?? (parsed.password === '' ? undefined : decodeURIComponent(parsed.password));
  if (password !== undefined && username === undefined) {
    throw new GitError(
      'InvalidReference',
      `proxy secret ${secretName}: has 'password' but no 'username'`,
    );
  }
  parsed.username = '';
  parsed.password = '';
  return {
    address: `${parsed.protocol}//${parsed.host}`,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
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

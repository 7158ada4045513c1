import { GitError, redactUrl } from './errors.js';

/** Where an SSH Git address points: who logs in where, and the path git-upload-pack is given. */
export interface SshAddress {
  readonly host: string;
  readonly port: number;
  /** The login user; `git` when the address names none, as Flux and the Git hosts expect. */
  readonly username: string;
  /** The repository path exactly as git sends it to the server (`/org/repo.git`, `org/repo.git`). */
  readonly path: string;
}

/** Flux's user for SSH addresses that name none. */
export const defaultSshUser = 'git';

const scpLike = /^(?:([^@/:]+)@)?(\[[^\]]+\]|[^@/:[\]]+):(?!\/\/)(.+)$/;

/** `ssh://…` or scp-like `user@host:path` (no `/` before the first colon, as git decides). */
export function isSshUrl(url: string): boolean {
  if (/^ssh:\/\//i.test(url)) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return false;
  return scpLike.test(url);
}

/**
 * Parses an SSH Git address the way git does: `ssh://[user@]host[:port]/path` keeps the
 * leading `/` of the path (but drops it before `~`), and scp-like `[user@]host:path` sends the
 * path as written (relative to the login directory), always on port 22.
 */
export function parseSshUrl(url: string): SshAddress {
  if (/^ssh:\/\//i.test(url)) return parseSshScheme(url);
  const match = scpLike.exec(url);
  if (match === null) throw invalid(url, 'not an ssh:// or user@host:path address');
  const [, user, host = '', path = ''] = match;
  return {
    host: unbracket(host),
    port: 22,
    username: user ?? defaultSshUser,
    path: path.startsWith('/~') ? path.slice(1) : path,
  };
}

function parseSshScheme(url: string): SshAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(url, 'not a valid URL');
  }
  if (parsed.password !== '') {
    throw new GitError(
      'InvalidReference',
      `${redactUrl(url)}: an ssh:// URL may not carry a password; put the key in the secretRef's 'identity'`,
    );
  }
  if (parsed.search !== '' || parsed.hash !== '' || url.includes('?') || url.includes('#'))
    throw invalid(url, 'a Git URL may not carry a query or fragment');
  if (parsed.hostname === '') throw invalid(url, 'no host');
  const path = decodeURIComponent(parsed.pathname);
  if (path === '' || path === '/') throw invalid(url, 'no repository path');
  return {
    host: unbracket(parsed.hostname),
    port: parsed.port === '' ? 22 : Number(parsed.port),
    username: parsed.username === '' ? defaultSshUser : decodeURIComponent(parsed.username),
    path: path.startsWith('/~') ? path.slice(1) : path,
  };
}

/** The command line git runs on the server: `git-upload-pack '<path>'`, shell-quoted as git does. */
export function sshServiceCommand(
  service: 'git-upload-pack' | 'git-receive-pack',
  path: string,
): string {
  const quoted = path.replace(/['!]/g, (c) => `'\\${c}'`);
  return `${service} '${quoted}'`;
}

/** The address as known_hosts names it: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  const lower = host.toLowerCase();
  return port === 22 ? lower : `[${lower}]:${port}`;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function invalid(url: string, why: string): GitError {
  return new GitError(
    'InvalidReference',
    `invalid SSH Git address ${JSON.stringify(redactUrl(url))}: ${why}`,
  );
}

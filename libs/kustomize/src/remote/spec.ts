/**
 * Remote kustomization addresses (`https://host/org/repo//path?ref=v1`, `github.com/org/repo`,
 * `git@host:org/repo.git`, `git::…`), split the way kustomize v5 splits them: the URL it clones,
 * the directory inside the clone, and the `ref`/`version` and `timeout` query parameters.
 */
import { posix } from 'node:path';
import { KustomizeError } from '../errors.js';

export interface RepoSpec {
  /** What `git clone` is given: scheme, user, host and repository path, no query. */
  readonly cloneUrl: string;
  /** The kustomization directory inside the repository (`''` for its root). */
  readonly path: string;
  /** Branch, tag or commit; `''` for the remote's HEAD. */
  readonly ref: string;
  readonly timeoutMs: number;
}

/** kustomize's default bound on each git command. */
const defaultTimeoutMs = 27_000;
/** The most an address's `?timeout=` may ask for: one tenant's fetch must not hold a worker longer. */
export const maxRemoteTimeoutMs = 5 * 60_000;

const schemes = ['ssh://', 'https://', 'http://', 'file://'] as const;

/** Parses a remote address, or throws a KustomizeError naming what is wrong with it. */
export function parseRepoSpec(address: string, origin: string): RepoSpec {
  const fail = (why: string): never => {
    const shown = address.replace(/[?#].*$/, '').replace(/\/\/[^@/]*@/, '//');
    throw new KustomizeError(`${origin}: remote resource ${shown}: ${why}`);
  };
  if (address.includes('#')) fail('a remote address may not carry a # fragment');
  const [withoutQuery, query] = splitOnce(address, '?');
  const { ref, timeoutMs } = parseQuery(query);
  const { host, rest } = extractHost(withoutQuery, fail);
  const { repoPath, path } = splitRepoPath(rest, host.startsWith('file://'), fail);
  return { cloneUrl: host + repoPath, path, ref, timeoutMs };
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + separator.length)];
}

function parseQuery(query: string): { ref: string; timeoutMs: number } {
  const values = new URLSearchParams(query);
  // `ref` wins over `version` unless it is empty.
  const ref = values.get('ref') ?? '';
  return {
    ref: ref === '' ? (values.get('version') ?? '') : ref,
    timeoutMs: parseTimeout(values.get('timeout')),
  };
}

/** `?timeout=` in whole seconds (`61`) or as a Go duration (`1m30s`, `500ms`). */
function parseTimeout(value: string | null): number {
  return Math.min(requestedTimeout(value), maxRemoteTimeoutMs);
}

function requestedTimeout(value: string | null): number {
  if (value === null || value === '') return defaultTimeoutMs;
  if (/^\d+$/.test(value) && Number(value) > 0) return Number(value) * 1000;
  const units: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== value) {
    return defaultTimeoutMs;
  }
  const total = parts.reduce((sum, part) => sum + Number(part[1]) * (units[part[2] ?? ''] ?? 0), 0);
  return total > 0 ? total : defaultTimeoutMs;
}

function stripPrefix(text: string, prefix: string): string | undefined {
  return text.toLowerCase().startsWith(prefix) ? text.slice(prefix.length) : undefined;
}

function extractHost(
  address: string,
  fail: (why: string) => never,
): { host: string; rest: string } {
  // go-getter's `git::` prefix: kustomize strips it (with a deprecation warning).
  let rest = stripPrefix(address, 'git::') ?? address;
  let scheme = '';
  for (const candidate of schemes) {
    const after = stripPrefix(rest, candidate);
    if (after !== undefined) {
      scheme = candidate;
      rest = after;
      break;
    }
  }
  const user = /^([a-zA-Z][a-zA-Z0-9-]*)@/.exec(rest)?.[0] ?? '';
  rest = rest.slice(user.length);
  const github = /^github\.com[/:]/i.test(rest);
  const scpStyle = scheme === '' && (user !== '' || github);
  if (scheme === '' && !scpStyle) fail('failed to parse scheme');
  if (scheme === 'file://') return { host: scheme, rest: user + rest };
  let host = rest;
  let separator = rest.indexOf('/');
  if (scpStyle) {
    const colon = rest.indexOf(':');
    if (separator === -1 || (colon > 0 && colon < separator)) separator = colon;
  }
  if (separator >= 0) {
    host = rest.slice(0, separator + 1);
    rest = rest.slice(separator + 1);
  } else {
    rest = '';
  }
  if (github) {
    // GitHub addresses are normalized: SSH when a user or ssh:// is given, HTTPS otherwise.
    const ssh = scheme === 'ssh://' || user !== '';
    return { host: ssh ? `${user}github.com:` : 'https://github.com/', rest };
  }
  if (host === '') fail('failed to parse host segment');
  return { host: scheme + user + host, rest };
}

/** Splits at `_git/<repo>`, `//`, or `.git`; otherwise the first two segments are the repo. */
function splitRepoPath(
  rest: string,
  wholePath: boolean,
  fail: (why: string) => never,
): { repoPath: string; path: string } {
  let repoPath: string;
  let path: string;
  const gitRoot = rest.indexOf('_git/');
  const doubleSlash = rest.indexOf('//');
  const gitSuffix = rest.indexOf('.git');
  if (gitRoot >= 0) {
    const [repo = '', ...sub] = rest.slice(gitRoot + '_git/'.length).split('/');
    repoPath = rest.slice(0, gitRoot + '_git/'.length) + repo;
    path = sub.join('/');
  } else if (doubleSlash >= 0) {
    repoPath = rest.slice(0, doubleSlash);
    path = rest.slice(doubleSlash + 2);
  } else if (gitSuffix >= 0) {
    repoPath = rest.slice(0, gitSuffix + '.git'.length);
    path = rest.slice(gitSuffix + '.git'.length);
  } else if (wholePath) {
    repoPath = rest;
    path = '';
  } else {
    const segments = rest.split('/');
    if (segments.length < 2) fail('failed to parse repo path segment');
    repoPath = segments.slice(0, 2).join('/');
    path = segments.slice(2).join('/');
  }
  if (repoPath === '') fail('failed to parse repo path segment');
  const cleaned = posix.normalize(path.replace(/^\/+/, '') || '.');
  if (cleaned === '..' || cleaned.startsWith('../')) fail('url path exits repo');
  return { repoPath, path: path.replace(/^\//, '') };
}

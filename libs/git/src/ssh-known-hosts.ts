import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { GitError } from './errors.js';
import { knownHostsName } from './ssh-url.js';

/** One host key line of a known_hosts file. */
interface KnownHostLine {
  readonly matches: (name: string, host: string, port: number) => boolean;
  /** The key's algorithm name as the line writes it (`ssh-ed25519`, `ssh-rsa`, …). */
  readonly type: string;
  readonly blob: Buffer;
}

/** A host key as the server offered it, described the way `ssh` does. */
export interface OfferedHostKey {
  readonly type: string;
  /** `SHA256:<base64 without padding>` */
  readonly fingerprint: string;
}

export type HostKeyVerdict =
  { readonly accepted: true } | { readonly accepted: false; readonly why: string };

/**
 * The `known_hosts` of a GitRepository secret, as OpenSSH reads it: plain and `|1|` hashed
 * host names, `[host]:port` for ports other than 22, comma-separated patterns with `*`/`?`
 * wildcards and `!` negation, and `@revoked` keys, which are refused wherever they are
 * offered. `@cert-authority` lines are refused when read: the SSH library takes no host
 * certificates, and trusting a CA line as a plain key would be wrong.
 */
export class KnownHosts {
  private constructor(
    private readonly lines: readonly KnownHostLine[],
    private readonly revoked: readonly Buffer[],
  ) {}

  static parse(text: string, source: string): KnownHosts {
    const lines: KnownHostLine[] = [];
    const revoked: Buffer[] = [];
    text.split(/\r?\n/).forEach((raw, index) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const where = `${source}: line ${index + 1}`;
      const fields = line.split(/\s+/);
      let marker: string | undefined;
      if (fields[0]?.startsWith('@') === true) marker = fields.shift();
      if (marker === '@cert-authority') {
        throw new GitError(
          'InvalidReference',
          `${where}: @cert-authority entries are not supported; list the host's own public key instead`,
        );
      }
      if (marker !== undefined && marker !== '@revoked')
        throw new GitError('InvalidReference', `${where}: unknown marker ${marker}`);
      const [patterns, type, encoded] = fields;
      if (patterns === undefined || type === undefined || encoded === undefined)
        throw new GitError('InvalidReference', `${where}: expected "<hosts> <key type> <key>"`);
      const blob = decodeKey(encoded, type, where);
      if (marker === '@revoked') revoked.push(blob);
      else lines.push({ matches: hostMatcher(patterns, where), type, blob });
    });
    if (lines.length === 0) {
      throw new GitError('InvalidReference', `${source}: lists no host key`);
    }
    return new KnownHosts(lines, revoked);
  }

  /** Key algorithms to ask the server for: those listed for the host, in their order. */
  hostKeyAlgorithms(host: string, port: number): string[] {
    const algorithms: string[] = [];
    for (const line of this.linesFor(host, port)) {
      for (const algorithm of line.type === 'ssh-rsa' ? rsaAlgorithms : [line.type]) {
        if (!algorithms.includes(algorithm)) algorithms.push(algorithm);
      }
    }
    return algorithms;
  }

  /** Whether the key the server offered is one listed for this host (and not revoked). */
  verify(host: string, port: number, blob: Buffer): HostKeyVerdict {
    const name = knownHostsName(host, port);
    const offered = describeHostKey(blob);
    const shown = `${offered.type} ${offered.fingerprint}`;
    if (this.revoked.some((key) => key.equals(blob)))
      return { accepted: false, why: `the key ${shown} offered by ${name} is marked @revoked` };
    const listed = this.linesFor(host, port);
    if (listed.some((line) => line.blob.equals(blob))) return { accepted: true };
    if (listed.length === 0) {
      return {
        accepted: false,
        why: `known_hosts has no entry for ${name}, which offered ${shown}`,
      };
    }
    const known = listed
      .map((line) => describeHostKey(line.blob))
      .map((k) => `${k.type} ${k.fingerprint}`);
    return {
      accepted: false,
      why: `the host key of ${name} does not match known_hosts: offered ${shown}, known ${known.join(', ')}`,
    };
  }

  private linesFor(host: string, port: number): KnownHostLine[] {
    const name = knownHostsName(host, port);
    return this.lines.filter((line) => line.matches(name, host.toLowerCase(), port));
  }
}

/** `ssh-rsa` keys are used with any of these signature algorithms. */
const rsaAlgorithms = ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/** The key type inside an SSH wire-format public key, and its SHA-256 fingerprint. */
export function describeHostKey(blob: Buffer): OfferedHostKey {
  const length = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  const type =
    length > 0 && 4 + length <= blob.length ? blob.toString('latin1', 4, 4 + length) : 'unknown';
  const digest = createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
  return { type, fingerprint: `SHA256:${digest}` };
}

function decodeKey(encoded: string, type: string, where: string): Buffer {
  const blob = Buffer.from(encoded, 'base64');
  if (blob.length === 0 || describeHostKey(blob).type !== type) {
    throw new GitError('InvalidReference', `${where}: the key is not a valid ${type} public key`);
  }
  return blob;
}

function hostMatcher(
  patterns: string,
  where: string,
): (name: string, host: string, port: number) => boolean {
  if (patterns.startsWith('|')) return hashedMatcher(patterns, where);
  const parsed = patterns
    .split(',')
    .filter((p) => p !== '')
    .map((pattern) => {
      const negate = pattern.startsWith('!');
      const body = negate ? pattern.slice(1) : pattern;
      const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(body);
      return bracketed === null
        ? { negate, host: body.toLowerCase(), port: 22 }
        : { negate, host: (bracketed[1] ?? '').toLowerCase(), port: Number(bracketed[2]) };
    });
  return (_name, host, port) => {
    let matched = false;
    for (const pattern of parsed) {
      if (pattern.port !== port || !wildcardMatch(pattern.host, host)) continue;
      if (pattern.negate) return false;
      matched = true;
    }
    return matched;
  };
}

/** `|1|<base64 salt>|<base64 HMAC-SHA1 of the name>`, OpenSSH's HashKnownHosts form. */
function hashedMatcher(
  pattern: string,
  where: string,
): (name: string, host: string, port: number) => boolean {
  const [, kind, salt, hash] = pattern.split('|');
  if (kind !== '1' || salt === undefined || hash === undefined)
    throw new GitError('InvalidReference', `${where}: unsupported hashed host ${pattern}`);
  const saltBytes = Buffer.from(salt, 'base64');
  const want = Buffer.from(hash, 'base64');
  return (name) => {
    const got = createHmac('sha1', saltBytes).update(name).digest();
    return got.length === want.length && timingSafeEqual(got, want);
  };
}

/** OpenSSH's host pattern match: `*` any run, `?` one character, no special separators. */
function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p += 1;
      t += 1;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p;
      resume = t;
      p += 1;
    } else if (star !== -1) {
      p = star + 1;
      resume += 1;
      t = resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p += 1;
  return p === pattern.length;
}

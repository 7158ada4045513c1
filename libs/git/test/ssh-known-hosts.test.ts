import { describe, expect, it } from '@jest/globals';
import { createHmac, randomBytes } from 'node:crypto';
import { GitError, KnownHosts, describeHostKey } from '../src/index.js';

/** A wire-format public key blob: string type, then some key bytes. */
function blob(type: string, seed: string): Buffer {
  const name = Buffer.from(type);
  const body = Buffer.from(seed.padEnd(32, '.'));
  const length = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  return Buffer.concat([length(name.length), name, length(body.length), body]);
}
const line = (hosts: string, key: Buffer, marker = '') =>
  `${marker === '' ? '' : `${marker} `}${hosts} ${describeHostKey(key).type} ${key.toString('base64')}`;
const hashed = (name: string) => {
  const salt = randomBytes(20);
  const hash = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')}`;
};

const ed = blob('ssh-ed25519', 'server');
const other = blob('ssh-ed25519', 'impostor');
const rsa = blob('ssh-rsa', 'server-rsa');
const ecdsa = blob('ecdsa-sha2-nistp256', 'server-ecdsa');

describe('known_hosts, read as OpenSSH does', () => {
  it.each<[string, string, string, number, boolean]>([
    ['a plain host on port 22', line('github.com', ed), 'github.com', 22, true],
    ['a plain host does not cover another port', line('github.com', ed), 'github.com', 2222, false],
    ['[host]:port', line('[git.example.com]:2222', ed), 'git.example.com', 2222, true],
    [
      '[host]:port does not cover port 22',
      line('[git.example.com]:2222', ed),
      'git.example.com',
      22,
      false,
    ],
    ['host names match case-insensitively', line('GitHub.COM', ed), 'github.com', 22, true],
    [
      'one of several comma-separated names',
      line('gh,github.com,140.82.1.1', ed),
      '140.82.1.1',
      22,
      true,
    ],
    ['a * wildcard', line('*.example.com', ed), 'git.example.com', 22, true],
    ['a ? wildcard', line('git?.example.com', ed), 'git1.example.com', 22, true],
    ['a wildcard that does not match', line('*.example.org', ed), 'git.example.com', 22, false],
    [
      'a negated name wins over a wildcard',
      line('*.example.com,!evil.example.com', ed),
      'evil.example.com',
      22,
      false,
    ],
    ['a hashed name (port 22)', line(hashed('github.com'), ed), 'github.com', 22, true],
    ['a hashed [host]:port', line(hashed('[127.0.0.1]:2222'), ed), '127.0.0.1', 2222, true],
    ['a hashed name for another host', line(hashed('gitlab.com'), ed), 'github.com', 22, false],
  ])('%s', (_name, text, host, port, listed) => {
    const known = KnownHosts.parse(`# comment\n\n${text}\n`, 'test');
    expect(known.verify(host, port, ed).accepted).toBe(listed);
  });

  it('refuses another key for a listed host, naming both fingerprints with their type', () => {
    const known = KnownHosts.parse(line('github.com', ed), 'test');
    const verdict = known.verify('github.com', 22, other);
    expect(verdict).toEqual({
      accepted: false,
      why: `the host key of github.com does not match known_hosts: offered ssh-ed25519 ${describeHostKey(other).fingerprint}, known ssh-ed25519 ${describeHostKey(ed).fingerprint}`,
    });
  });

  it('accepts any of the keys listed for the host (rotation)', () => {
    const known = KnownHosts.parse(`${line('h', ed)}\n${line('h', other)}\n`, 'test');
    expect(known.verify('h', 22, other).accepted).toBe(true);
  });

  it('refuses a @revoked key even when it is also listed', () => {
    const known = KnownHosts.parse(`${line('h', ed)}\n${line('*', ed, '@revoked')}\n`, 'test');
    const verdict = known.verify('h', 22, ed);
    expect(verdict.accepted).toBe(false);
    expect(verdict.accepted ? '' : verdict.why).toMatch(/is marked @revoked/);
  });

  it('asks the server for the key types listed for the host, rsa as its signature algorithms', () => {
    const known = KnownHosts.parse(
      [line('h', ecdsa), line('h', rsa), line('other', ed)].join('\n'),
      'test',
    );
    expect(known.hostKeyAlgorithms('h', 22)).toEqual([
      'ecdsa-sha2-nistp256',
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
    ]);
    expect(known.hostKeyAlgorithms('unlisted', 22)).toEqual([]);
  });

  it.each([
    [
      '@cert-authority lines',
      line('*.example.com', ed, '@cert-authority'),
      /line 1: @cert-authority entries are not supported/,
    ],
    ['an unknown marker', line('h', ed, '@trusted'), /unknown marker @trusted/],
    ['a line without a key', 'github.com ssh-ed25519', /expected "<hosts> <key type> <key>"/],
    [
      'a key of another type than its line says',
      `h ssh-rsa ${ed.toString('base64')}`,
      /not a valid ssh-rsa public key/,
    ],
    [
      'an unsupported hash',
      `|2|abc|def ssh-ed25519 ${ed.toString('base64')}`,
      /unsupported hashed host/,
    ],
    ['no host key at all', '# only a comment\n', /lists no host key/],
  ])('refuses %s when read', (_name, text, message) => {
    expect(() => KnownHosts.parse(text, 'secret ns/auth: known_hosts')).toThrow(message);
    expect(() => KnownHosts.parse(text, 'secret ns/auth: known_hosts')).toThrow(GitError);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createMutualTlsFixture,
  makeTempDir,
  startGitServer,
  startHttpProxy,
  type GitRepositoryFixture,
  type GitServer,
  type HttpProxy,
  type MutualTlsFixture,
  type TempDir,
} from '@tide/harness';
import {
  credentialsFromSecret,
  proxyFromSecret,
  refuseClientCertificateOverHttp,
} from '../src/auth.js';
import { GitError } from '../src/errors.js';
import { listRemoteRefs } from '../src/repository.js';

function thrown(action: () => unknown): GitError {
  try {
    action();
  } catch (error) {
    if (error instanceof GitError) return error;
    throw error;
  }
  throw new Error('expected a GitError');
}

describe('credentialsFromSecret: TLS client certificate', () => {
  it('reads tls.crt and tls.key as the client certificate', () => {
    expect(
      credentialsFromSecret({ 'tls.crt': 'CERT', 'tls.key': 'KEY', 'ca.crt': 'CA' }, 'ns/s'),
    ).toEqual({ certPem: 'CERT', keyPem: 'KEY', caPem: 'CA' });
  });
  it.each([
    [{ 'tls.crt': 'CERT' }, "has 'tls.crt' but no 'tls.key'"],
    [{ 'tls.key': 'KEY' }, "has 'tls.key' but no 'tls.crt'"],
  ])('refuses half a key pair (%j)', (data, message) => {
    const error = thrown(() => credentialsFromSecret(data, 'ns/s'));
    expect(error.reason).toBe('InvalidReference');
    expect(error.message).toBe(`secret ns/s: ${message}; a TLS client certificate needs both`);
  });
  it('refuses a client certificate for an http:// URL, and allows it for https://', () => {
    const credentials = { certPem: 'CERT', keyPem: 'KEY' };
    expect(
      thrown(() => {
        refuseClientCertificateOverHttp('http://git.example.com/r.git', credentials);
      }).reason,
    ).toBe('Unsupported');
    expect(() => {
      refuseClientCertificateOverHttp('https://git.example.com/r.git', credentials);
    }).not.toThrow();
  });
});

describe('proxyFromSecret', () => {
  it.each([
    [{ address: 'http://proxy:3128' }, { address: 'http://proxy:3128' }],
    [
      { address: 'http://proxy:3128/', username: 'u', password: 'p' },
      { address: 'http://proxy:3128', username: 'u', password: 'p' },
    ],
    [
      { address: 'http://u%40x:p@proxy:3128' },
      { address: 'http://proxy:3128', username: 'u@x', password: 'p' },
    ],
  ])('reads %j', (data, expected) => {
    expect(proxyFromSecret(data, 'ns/p')).toEqual(expected);
  });
  it.each([
    [{}, 'InvalidReference', "proxy secret ns/p: has no 'address'"],
    [{ address: 'not a url' }, 'InvalidReference', '\'address\' "not a url" is not a URL'],
    [{ address: 'http://proxy:3128', password: 'p' }, 'InvalidReference', "no 'username'"],
    [{ address: 'socks5://proxy:1080' }, 'Unsupported', 'socks5 proxies are not supported yet'],
    [{ address: 'https://proxy:443' }, 'Unsupported', 'https proxies are not supported yet'],
  ])('refuses %j', (data, reason, message) => {
    const error = thrown(() => proxyFromSecret(data, 'ns/p'));
    expect(error.reason).toBe(reason);
    expect(error.message).toContain(message);
  });
  it('never puts credentials of the address in its message', () => {
    const error = thrown(() => proxyFromSecret({ address: 'ftp://u:s3cret@proxy' }, 'ns/p'));
    expect(error.message).not.toContain('s3cret');
  });
});

// The transport against real servers: an https Git server requiring client certificates,
// reached directly and through a CONNECT proxy with basic auth.
describe('transport: client certificate and proxy', () => {
  let pkiDir: TempDir;
  let tls: MutualTlsFixture;
  let git: GitServer;
  let repo: GitRepositoryFixture;
  let proxy: HttpProxy;

  beforeAll(async () => {
    pkiDir = await makeTempDir('git-transport-pki');
    tls = await createMutualTlsFixture(pkiDir.path);
    git = await startGitServer({ tls: tls.serving });
    repo = await git.createRepository('r', { files: { 'a.txt': 'a\n' } });
    proxy = await startHttpProxy({ basicAuth: { username: 'u', password: 'p' } });
  });
  afterAll(async () => {
    await git.stop();
    await proxy.stop();
    await pkiDir.remove();
  });

  const credentials = () => ({ ...tls.client, caPem: tls.caPem });

  it('lists refs directly with the client certificate', async () => {
    const refs = await listRemoteRefs({
      url: repo.url,
      credentials: credentials(),
      timeoutMs: 10_000,
    });
    expect(refs.find((r) => r.ref === 'refs/heads/main')?.oid).toBe(await repo.head());
  });

  it('lists refs through a CONNECT tunnel, and counts it', async () => {
    const before = proxy.tunnels().get(`127.0.0.1:${git.port}`) ?? 0;
    const refs = await listRemoteRefs({
      url: repo.url,
      credentials: credentials(),
      proxy: { address: proxy.url, username: 'u', password: 'p' },
      timeoutMs: 10_000,
    });
    expect(refs.find((r) => r.ref === 'refs/heads/main')?.oid).toBe(await repo.head());
    expect(proxy.tunnels().get(`127.0.0.1:${git.port}`)).toBe(before + 1);
  });

  it('fails with AuthenticationFailed on 407, naming the proxy and not the password', async () => {
    const error = await listRemoteRefs({
      url: repo.url,
      credentials: credentials(),
      proxy: { address: proxy.url, username: 'u', password: 'wr0ng' },
      timeoutMs: 10_000,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).reason).toBe('AuthenticationFailed');
    expect((error as GitError).message).toBe(
      `proxy ${proxy.url} refused the username/password of the proxySecretRef (HTTP 407)`,
    );
    expect((error as GitError).message).not.toContain('wr0ng');
  });
});

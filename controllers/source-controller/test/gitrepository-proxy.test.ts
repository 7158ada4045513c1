import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConditionType, type GitRepository } from '@tide/api';
import { readTarball } from '@tide/artifact';
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
import type { ReconcilableObject } from '@tide/runtime';
import { gitRepositoryKind } from '../src/kinds.js';
import { startSourceEnvironment, type SourceEnvironment } from './environment.js';

type Repo = GitRepository & ReconcilableObject;

const condition = (obj: Repo, type: string) => obj.status?.conditions?.find((c) => c.type === type);
const ready = (obj: Repo) => condition(obj, ConditionType.Ready);

function gitRepository(name: string, spec: Partial<GitRepository['spec']> & { url: string }): Repo {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name },
    spec: { interval: '1h', ref: { branch: 'main' }, ...spec },
  };
}

const total = (counts: ReadonlyMap<string, number>) =>
  [...counts.values()].reduce((sum, n) => sum + n, 0);

// A real forward proxy with basic auth between source-controller and the Git servers:
// CONNECT tunnels for https (with mTLS inside the tunnel), plain forwarding for http.
describe('GitRepository spec.proxySecretRef', () => {
  let env: SourceEnvironment;
  let pkiDir: TempDir;
  let tls: MutualTlsFixture;
  let proxy: HttpProxy;
  let httpsGit: GitServer;
  let httpGit: GitServer;
  let secure: GitRepositoryFixture;
  let plain: GitRepositoryFixture;

  beforeAll(async () => {
    env = await startSourceEnvironment('git-proxy');
    pkiDir = await makeTempDir('git-proxy-pki');
    tls = await createMutualTlsFixture(pkiDir.path);
    proxy = await startHttpProxy({ basicAuth: { username: 'mando', password: 'gr0gu-pr0xy' } });
    httpsGit = await startGitServer({ tls: tls.serving });
    httpGit = await startGitServer();
    secure = await httpsGit.createRepository('secure', { files: { 'a.yaml': 'a: 1\n' } });
    plain = await httpGit.createRepository('plain', { files: { 'b.yaml': 'b: 1\n' } });
    await env.secret('proxy', { address: proxy.url, username: 'mando', password: 'gr0gu-pr0xy' });
    await env.secret('proxy-wrong', { address: proxy.url, username: 'mando', password: 'n0t-it' });
    await env.secret('proxy-socks', { address: 'socks5://127.0.0.1:1080' });
    await env.secret('client-tls', {
      'tls.crt': tls.client.certPem,
      'tls.key': tls.client.keyPem,
      'ca.crt': tls.caPem,
    });
  });
  afterAll(async () => {
    await env.stop();
    await proxy.stop();
    await httpsGit.stop();
    await httpGit.stop();
    await pkiDir.remove();
  });

  const settled = (name: string, status: 'True' | 'False') =>
    env.readyIs<Repo>(gitRepositoryKind, name, status);

  it('fetches an https remote through a CONNECT tunnel, with mTLS inside it', async () => {
    const before = proxy.tunnels().get(`127.0.0.1:${httpsGit.port}`) ?? 0;
    await env.apply(
      gitRepositoryKind,
      gitRepository('via-connect', {
        url: secure.url,
        secretRef: { name: 'client-tls' },
        proxySecretRef: { name: 'proxy' },
      }),
    );
    const obj = await settled('via-connect', 'True');
    expect(obj.status?.artifact?.revision).toBe(`main@sha1:${await secure.head()}`);
    // ls-refs and the pack fetch each opened a tunnel to the Git server.
    expect(proxy.tunnels().get(`127.0.0.1:${httpsGit.port}`) ?? 0).toBeGreaterThanOrEqual(
      before + 2,
    );
  });

  it('fetches an http remote by forwarding through the proxy', async () => {
    const before = proxy.forwarded().get(`127.0.0.1:${httpGit.port}`) ?? 0;
    await env.apply(
      gitRepositoryKind,
      gitRepository('via-forward', { url: plain.url, proxySecretRef: { name: 'proxy' } }),
    );
    const obj = await settled('via-forward', 'True');
    expect(obj.status?.artifact?.revision).toBe(`main@sha1:${await plain.head()}`);
    expect(proxy.forwarded().get(`127.0.0.1:${httpGit.port}`) ?? 0).toBeGreaterThanOrEqual(
      before + 2,
    );
  });

  it.each([
    ['an https remote (CONNECT)', 'wrong-connect', () => secure.url, true],
    ['an http remote (forwarding)', 'wrong-forward', () => plain.url, false],
  ])(
    'with wrong proxy credentials, %s fails with a clear 407 message and no password',
    async (_, name, url, https) => {
      const refusedBefore = proxy.refused();
      const tunnelsBefore = total(proxy.tunnels());
      await env.apply(
        gitRepositoryKind,
        gitRepository(name, {
          url: url(),
          ...(https ? { secretRef: { name: 'client-tls' } } : {}),
          proxySecretRef: { name: 'proxy-wrong' },
        }),
      );
      const obj = await settled(name, 'False');
      const message = ready(obj)?.message ?? '';
      expect(message).toContain(`GitRepository ${env.namespace}/${name}`);
      expect(message).toContain(
        `proxy ${proxy.url} refused the username/password of the proxySecretRef (HTTP 407)`,
      );
      expect(JSON.stringify(obj.status)).not.toContain('n0t-it');
      expect(proxy.refused()).toBeGreaterThan(refusedBefore);
      expect(total(proxy.tunnels())).toBe(tunnelsBefore);
      expect(obj.status?.artifact).toBeUndefined();
    },
  );

  it('fetches submodules through the proxy too, with the client certificate on the same origin', async () => {
    const lib = await httpsGit.createRepository('sub-lib', { files: { 'lib.txt': 'lib\n' } });
    const top = await httpsGit.createRepository('sub-top', {
      files: { '.gitmodules': '[submodule "lib"]\n\tpath = lib\n\turl = ../sub-lib.git\n' },
    });
    await top.commit({}, 'add lib', { gitlinks: { lib: await lib.head() } });
    const target = `127.0.0.1:${httpsGit.port}`;
    const before = proxy.tunnels().get(target) ?? 0;
    await env.apply(
      gitRepositoryKind,
      gitRepository('sub-via-proxy', {
        url: top.url,
        recurseSubmodules: true,
        secretRef: { name: 'client-tls' },
        proxySecretRef: { name: 'proxy' },
      }),
    );
    const obj = await settled('sub-via-proxy', 'True');
    const response = await fetch(obj.status?.artifact?.url ?? '');
    const entries = await readTarball(Buffer.from(await response.arrayBuffer()));
    expect(entries.map((e) => e.path)).toContain('lib/lib.txt');
    // The parent's ls-refs and fetch, then the submodule's: each through its own tunnel.
    expect(proxy.tunnels().get(target) ?? 0).toBeGreaterThanOrEqual(before + 4);
  });

  it('refuses proxySecretRef with an SSH URL by name, and stalls', async () => {
    await env.apply(
      gitRepositoryKind,
      gitRepository('ssh-proxy', {
        url: 'ssh://git@127.0.0.1:1/app.git',
        proxySecretRef: { name: 'proxy' },
      }),
    );
    const obj = await settled('ssh-proxy', 'False');
    expect(condition(obj, ConditionType.Stalled)?.status).toBe('True');
    expect(ready(obj)?.message).toContain(
      'spec.proxySecretRef is not supported with an SSH URL yet',
    );
  });

  it('refuses a socks5 proxy address by name, and stalls', async () => {
    await env.apply(
      gitRepositoryKind,
      gitRepository('socks', { url: plain.url, proxySecretRef: { name: 'proxy-socks' } }),
    );
    const obj = await settled('socks', 'False');
    expect(condition(obj, ConditionType.Stalled)?.status).toBe('True');
    expect(ready(obj)?.message).toBe(
      `GitRepository ${env.namespace}/socks: spec.proxySecretRef: proxy secret ${env.namespace}/proxy-socks: socks5 proxies are not supported yet; use an http:// proxy address`,
    );
  });
});

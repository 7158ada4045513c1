import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createMutualTlsFixture,
  makeTempDir,
  startHttpProxy,
  startRegistry,
  type HttpProxy,
  type MutualTlsFixture,
  type Registry,
  type TempDir,
} from '@tide/harness';
import { RegistryClient, parseImageReference } from '../src/index.js';
import { caught } from './caught.js';

describe('RegistryClient over TLS (custom CA, mTLS, CONNECT proxy)', () => {
  let temp: TempDir;
  let pki: MutualTlsFixture;
  let tlsRegistry: Registry;
  let mtlsRegistry: Registry;
  let proxy: HttpProxy;
  const noRetry = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 };

  beforeAll(async () => {
    temp = await makeTempDir('registry-tls');
    pki = await createMutualTlsFixture(temp.path);
    tlsRegistry = await startRegistry({
      tls: { certPem: pki.serving.certPem, keyPem: pki.serving.keyPem },
    });
    mtlsRegistry = await startRegistry({ tls: pki.serving });
    await tlsRegistry.pushImage('acme/app', ['1.0.0']);
    await mtlsRegistry.pushImage('acme/app', ['2.0.0']);
    proxy = await startHttpProxy({
      basicAuth: { username: 'p', password: 'proxy-pw-never-shown' },
    });
  }, 60_000);

  afterAll(async () => {
    await proxy.stop();
    await mtlsRegistry.stop();
    await tlsRegistry.stop();
    await temp.remove();
  });

  it('trusts the registry through caPem', async () => {
    const client = new RegistryClient({ caPem: pki.caPem });
    expect(await client.listTags(parseImageReference(`${tlsRegistry.host}/acme/app`))).toEqual([
      '1.0.0',
    ]);
  });

  it('says which key to set when the certificate is not trusted', async () => {
    const client = new RegistryClient({ retry: noRetry });
    const error = await caught(
      client.listTags(parseImageReference(`${tlsRegistry.host}/acme/app`)),
    );
    expect(error.reason).toBe('Unreachable');
    expect(error.message).toContain(`image ${tlsRegistry.host}/acme/app: listing tags`);
    expect(error.message).toContain('ca.crt');
  });

  it('presents the client certificate to an mTLS registry', async () => {
    const client = new RegistryClient({ caPem: pki.caPem, clientCertificate: pki.client });
    expect(await client.listTags(parseImageReference(`${mtlsRegistry.host}/acme/app`))).toEqual([
      '2.0.0',
    ]);
  });

  it('fails an mTLS registry without a client certificate', async () => {
    const client = new RegistryClient({ caPem: pki.caPem, retry: noRetry });
    const error = await caught(
      client.listTags(parseImageReference(`${mtlsRegistry.host}/acme/app`)),
    );
    expect(['Unauthorized', 'Unreachable']).toContain(error.reason);
    expect(error.message).toContain(`image ${mtlsRegistry.host}/acme/app`);
  });

  it('tunnels https through an authenticating proxy with CONNECT', async () => {
    const client = new RegistryClient({
      caPem: pki.caPem,
      proxy: { address: proxy.url, username: 'p', password: 'proxy-pw-never-shown' },
    });
    const before = proxy.tunnels().get(tlsRegistry.host) ?? 0;
    const digest = await client.manifestDigest(
      parseImageReference(`${tlsRegistry.host}/acme/app:1.0.0`),
    );
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(proxy.tunnels().get(tlsRegistry.host) ?? 0).toBeGreaterThan(before);
  });

  it('reports a proxy refusing its credentials without the password', async () => {
    const client = new RegistryClient({
      caPem: pki.caPem,
      retry: noRetry,
      proxy: { address: proxy.url, username: 'p', password: 'wrong-proxy-pw' },
    });
    const error = await caught(
      client.listTags(parseImageReference(`${tlsRegistry.host}/acme/app`)),
    );
    expect(error.reason).toBe('Unauthorized');
    expect(error.message).toContain('407');
    expect(error.message).not.toContain('wrong-proxy-pw');
  });

  it('does not send credentials to a plain-http token realm of an https registry', async () => {
    let tokenRequests = 0;
    const realm = createHttpServer((_req, res) => {
      tokenRequests += 1;
      res.end(JSON.stringify({ token: 'x' }));
    });
    await new Promise<void>((resolve) => realm.listen(0, '127.0.0.1', resolve));
    const realmAddress = realm.address();
    const registry = createHttpsServer(
      { cert: pki.serving.certPem, key: pki.serving.keyPem },
      (_req, res) => {
        const port =
          typeof realmAddress === 'object' && realmAddress !== null ? realmAddress.port : 0;
        res.writeHead(401, {
          'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="reg"`,
        });
        res.end();
      },
    );
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
    const address = registry.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const client = new RegistryClient({
        caPem: pki.caPem,
        credentials: { username: 'u', password: 'downgrade-pw-never-sent' },
      });
      const error = await caught(
        client.listTags(parseImageReference(`127.0.0.1:${port}/acme/app`)),
      );
      expect(error.reason).toBe('Unauthorized');
      expect(error.message).toMatch(/plain-http token realm/);
      expect(tokenRequests).toBe(0);
    } finally {
      registry.closeAllConnections();
      realm.closeAllConnections();
      await new Promise((resolve) => registry.close(resolve));
      await new Promise((resolve) => realm.close(resolve));
    }
  });
});

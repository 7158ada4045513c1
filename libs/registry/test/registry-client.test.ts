import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startHttpProxy, startRegistry, type HttpProxy, type Registry } from '@tide/harness';
import {
  RegistryClient,
  credentialsFromSecretData,
  parseImageReference,
  type RegistryCredentials,
} from '../src/index.js';
import { caught } from './caught.js';

const username = 'reflector';
const password = 'pw-Zq81-never-printed';
const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('RegistryClient against the distribution registry (htpasswd)', () => {
  let registry: Registry;
  let proxy: HttpProxy;
  let credentials: RegistryCredentials;
  const tags = Array.from({ length: 23 }, (_, index) => `1.${index}.0`);
  let pushed: Map<string, string>;

  beforeAll(async () => {
    registry = await startRegistry({ basicAuth: { username, password }, tagPageSize: 5 });
    proxy = await startHttpProxy();
    const images = await registry.pushImage('acme/app', tags);
    pushed = new Map(images.map((image) => [image.tag, image.digest]));
    const secret = {
      '.dockerconfigjson': b64(
        JSON.stringify({
          auths: { [`http://${registry.host}/v2/`]: { auth: b64(`${username}:${password}`) } },
        }),
      ),
    };
    const found = credentialsFromSecretData(secret, registry.host, 'apps/pull-secret');
    if (found === undefined) throw new Error('the secret has no entry for the registry');
    credentials = found;
  }, 60_000);

  afterAll(async () => {
    await proxy.stop();
    await registry.stop();
  });

  it('lists every tag across pages following Link, one page at a time', async () => {
    // The registry pages by 5 whatever the client asks for, so the client must follow Link.
    const client = new RegistryClient({ insecure: true, credentials, pageSize: 100 });
    const pages: string[][] = [];
    const scan = client.tagPages(parseImageReference(`${registry.host}/acme/app`));
    let result = await scan.next();
    while (result.done !== true) {
      pages.push(result.value);
      result = await scan.next();
    }
    expect(pages.map((page) => page.length)).toEqual([5, 5, 5, 5, 3]);
    expect(pages.flat().sort()).toEqual([...tags].sort());
    expect(result.value).toEqual({ count: 23 });
  });

  it('refuses a repository with more tags than maxTags', async () => {
    const client = new RegistryClient({ insecure: true, credentials, maxTags: 12 });
    const error = await caught(client.listTags(parseImageReference(`${registry.host}/acme/app`)));
    expect(error.reason).toBe('TooLarge');
    expect(error.message).toContain(`${registry.host}/acme/app`);
  });

  it('resolves a tag to the digest the registry stored', async () => {
    const client = new RegistryClient({ insecure: true, credentials });
    const digest = await client.manifestDigest(
      parseImageReference(`${registry.host}/acme/app:1.7.0`),
    );
    expect(digest).toBe(pushed.get('1.7.0'));
  });

  it('goes through an HTTP proxy when one is set', async () => {
    const client = new RegistryClient({
      insecure: true,
      credentials,
      proxy: { address: proxy.url },
    });
    const before = proxy.forwarded().get(registry.host) ?? 0;
    expect(await client.listTags(parseImageReference(`${registry.host}/acme/app`))).toHaveLength(
      23,
    );
    expect(proxy.forwarded().get(registry.host) ?? 0).toBeGreaterThan(before);
  });

  it('names the image and not the password when the password is wrong', async () => {
    const client = new RegistryClient({
      insecure: true,
      credentials: { username, password: `${password}-wrong` },
    });
    const error = await caught(client.listTags(parseImageReference(`${registry.host}/acme/app`)));
    expect(error.reason).toBe('Unauthorized');
    expect(error.message).toContain(`${registry.host}/acme/app`);
    expect(error.message).toContain('refused the credentials');
    expect(error.message).not.toContain(password);
    expect(JSON.stringify(error)).not.toContain(password);
  });

  it('says anonymous access was refused when there are no credentials', async () => {
    const client = new RegistryClient({ insecure: true });
    const error = await caught(
      client.manifestDigest(parseImageReference(`${registry.host}/acme/app:1.0.0`)),
    );
    expect(error.reason).toBe('Unauthorized');
    expect(error.message).toMatch(/anonymous/);
  });

  it.each([
    ['a missing tag', 'acme/app:9.9.9', 'resolving digest'],
    ['a missing repository', 'acme/none:1', 'listing tags'],
  ])('reports %s as NotFound', async (_name, path, operation) => {
    const client = new RegistryClient({ insecure: true, credentials });
    const image = parseImageReference(`${registry.host}/${path}`);
    const error = await caught(
      operation === 'listing tags' ? client.listTags(image) : client.manifestDigest(image),
    );
    expect(error.reason).toBe('NotFound');
    expect(error.message).toContain(`image ${registry.host}/${path}: ${operation}`);
  });
});

describe('RegistryClient against misbehaving HTTP servers', () => {
  let server: Server;
  let host: string;
  let answers: { status: number; headers: Record<string, string>; body: string }[] = [];
  let seen = 0;

  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      seen += 1;
      const answer = answers.shift() ?? { status: 503, headers: {}, body: '' };
      res.writeHead(answer.status, answer.headers);
      res.end(req.method === 'HEAD' ? undefined : answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    host = `127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('waits as Retry-After says on 429, then succeeds', async () => {
    seen = 0;
    answers = [
      { status: 429, headers: { 'retry-after': '1' }, body: '' },
      { status: 200, headers: {}, body: JSON.stringify({ name: 'app', tags: ['a', 'b'] }) },
    ];
    const client = new RegistryClient({ insecure: true });
    const started = Date.now();
    expect(await client.listTags(parseImageReference(`${host}/app`))).toEqual(['a', 'b']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(seen).toBe(2);
  });

  it('gives up on 5xx after the bounded attempts, with a typed error', async () => {
    seen = 0;
    answers = [];
    const client = new RegistryClient({
      insecure: true,
      credentials: { username: 'u', password: 'never-shown-503' },
      retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
    });
    const error = await caught(client.manifestDigest(parseImageReference(`${host}/app:v1`)));
    expect(error.reason).toBe('ServerError');
    expect(error.message).toContain(`image ${host}/app:v1: resolving digest`);
    expect(error.message).not.toContain('never-shown-503');
    expect(seen).toBe(3);
  });

  it('caps a long Retry-After at maxDelayMs and reports RateLimited', async () => {
    answers = [
      { status: 429, headers: { 'retry-after': '3600' }, body: '' },
      { status: 429, headers: { 'retry-after': '3600' }, body: '' },
    ];
    const client = new RegistryClient({
      insecure: true,
      retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 100 },
    });
    const started = Date.now();
    const error = await caught(client.listTags(parseImageReference(`${host}/app`)));
    expect(error.reason).toBe('RateLimited');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('falls back to GET and hashes the manifest when HEAD gives no digest', async () => {
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [],
    });
    answers = [
      { status: 200, headers: {}, body: '' },
      {
        status: 200,
        headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' },
        body: manifest,
      },
    ];
    const client = new RegistryClient({ insecure: true });
    const { createHash } = await import('node:crypto');
    expect(await client.manifestDigest(parseImageReference(`${host}/app:v1`))).toBe(
      `sha256:${createHash('sha256').update(manifest).digest('hex')}`,
    );
  });

  it('refuses a next-page Link to another origin', async () => {
    answers = [
      {
        status: 200,
        headers: { link: '<http://169.254.169.254/v2/app/tags/list?last=a>; rel="next"' },
        body: JSON.stringify({ name: 'app', tags: ['a'] }),
      },
    ];
    const client = new RegistryClient({ insecure: true });
    const error = await caught(client.listTags(parseImageReference(`${host}/app`)));
    expect(error.reason).toBe('InvalidResponse');
    expect(error.message).toMatch(/another origin/);
  });

  it('refuses a tag list over maxTagListBytes', async () => {
    const big = Array.from({ length: 2000 }, (_, index) => `tag-${index}`);
    answers = [{ status: 200, headers: {}, body: JSON.stringify({ name: 'app', tags: big }) }];
    const client = new RegistryClient({ insecure: true, maxTagListBytes: 4096 });
    const error = await caught(client.listTags(parseImageReference(`${host}/app`)));
    expect(error.reason).toBe('TooLarge');
  });
});

describe('RegistryClient timeouts', () => {
  it('times out on a server that accepts and never answers, naming the image', async () => {
    const sockets = new Set<Socket>();
    const silent = createTcpServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    try {
      const client = new RegistryClient({
        insecure: true,
        credentials: { username: 'u', password: 'never-shown-timeout' },
        requestTimeoutMs: 300,
      });
      const error = await caught(
        client.listTags(parseImageReference(`127.0.0.1:${address.port}/app`)),
      );
      expect(error.reason).toBe('Timeout');
      expect(error.message).toContain(`image 127.0.0.1:${address.port}/app: listing tags`);
      expect(error.message).not.toContain('never-shown-timeout');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

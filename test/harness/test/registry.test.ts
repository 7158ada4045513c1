import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRegistry, type Registry } from '../src/index.js';

describe('OCI registry (distribution)', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry.stop());

  it('lists the tags pushed through the HTTP API, each with its own digest', async () => {
    const pushed = await registry.pushImage('team/app', ['1.0.0', '1.1.0', 'latest']);
    const response = await fetch(`${registry.url}/v2/team/app/tags/list`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { name: string; tags: string[] };
    expect(body.name).toBe('team/app');
    expect([...body.tags].sort()).toEqual(['1.0.0', '1.1.0', 'latest']);
    expect(new Set(pushed.map((p) => p.digest)).size).toBe(3);
    for (const { tag, digest } of pushed) {
      const head = await fetch(`${registry.url}/v2/team/app/manifests/${tag}`, {
        method: 'HEAD',
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      expect(head.headers.get('docker-content-digest')).toBe(digest);
    }
  });
});

describe('OCI registry with htpasswd auth', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await startRegistry({ basicAuth: { username: 'robot', password: 'pull' } });
  });
  afterAll(() => registry.stop());

  it('refuses anonymous reads and answers with credentials', async () => {
    await registry.pushImage('private/app', ['v1']);
    const anonymous = await fetch(`${registry.url}/v2/private/app/tags/list`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="tide-test"/);
    const authorized = await fetch(`${registry.url}/v2/private/app/tags/list`, {
      headers: { authorization: `Basic ${Buffer.from('robot:pull').toString('base64')}` },
    });
    expect(await authorized.json()).toEqual({ name: 'private/app', tags: ['v1'] });
  });
});

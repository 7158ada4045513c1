import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRegistry, type Registry } from '@tide/harness';
import { RegistryClient, RegistryError, parseImageReference } from '../src/index.js';

const username = 'robot';
const password = 'tok-pw-7Hq-never-printed';

describe('RegistryClient against the distribution registry with token auth', () => {
  let registry: Registry;
  let digest: string;

  beforeAll(async () => {
    registry = await startRegistry({ tokenAuth: { username, password } });
    const [image] = await registry.pushImage('acme/app', ['1.0.0', '1.1.0']);
    if (image === undefined) throw new Error('nothing pushed');
    digest = image.digest;
  }, 60_000);

  afterAll(async () => {
    await registry.stop();
  });

  it('answers the Bearer challenge with a token and caches it per scope', async () => {
    const client = new RegistryClient({ insecure: true, credentials: { username, password } });
    const before = registry.tokenRequests();
    const image = parseImageReference(`${registry.host}/acme/app:1.0.0`);
    expect((await client.listTags(image)).sort()).toEqual(['1.0.0', '1.1.0']);
    expect(await client.manifestDigest(image)).toBe(digest);
    expect(await client.manifestDigest(image)).toBe(digest);
    expect(registry.tokenRequests() - before).toBe(1);
  });

  it('fetches a new token when the cached one has expired', async () => {
    let clock = Date.now();
    const client = new RegistryClient({
      insecure: true,
      credentials: { username, password },
      now: () => clock,
    });
    const before = registry.tokenRequests();
    const image = parseImageReference(`${registry.host}/acme/app:1.0.0`);
    await client.manifestDigest(image);
    clock += 301_000;
    await client.manifestDigest(image);
    expect(registry.tokenRequests() - before).toBe(2);
  });

  it('reports a refused token request as Unauthorized without the password', async () => {
    const client = new RegistryClient({
      insecure: true,
      credentials: { username, password: `${password}-wrong` },
    });
    let caught: unknown;
    try {
      await client.listTags(parseImageReference(`${registry.host}/acme/app`));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RegistryError);
    const error = caught as RegistryError;
    expect(error.reason).toBe('Unauthorized');
    expect(error.message).toContain(`image ${registry.host}/acme/app: listing tags`);
    expect(error.message).toContain('token endpoint');
    expect(error.message).not.toContain(password);
  });
});

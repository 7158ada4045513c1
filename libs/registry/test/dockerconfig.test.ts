import { describe, expect, it } from '@jest/globals';
import {
  RegistryError,
  credentialsFromDockerConfig,
  credentialsFromSecretData,
  dockerConfigHost,
} from '../src/index.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const config = (auths: Record<string, unknown>): string => JSON.stringify({ auths });

describe('dockerConfigHost', () => {
  it.each([
    ['https://index.docker.io/v1/', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['docker.io', 'docker.io'],
    ['http://localhost:5000', 'localhost:5000'],
    ['GHCR.io/acme', 'ghcr.io'],
    ['https://127.0.0.1:5000/v2/', '127.0.0.1:5000'],
  ])('%s → %s', (key, host) => {
    expect(dockerConfigHost(key)).toBe(host);
  });
});

describe('credentialsFromDockerConfig', () => {
  it.each([
    [
      'Docker Hub under its legacy key',
      { 'https://index.docker.io/v1/': { auth: b64('hub:pw') } },
      'docker.io',
      { username: 'hub', password: 'pw' },
    ],
    [
      'Docker Hub under registry-1',
      { 'registry-1.docker.io': { username: 'u', password: 'p' } },
      'docker.io',
      { username: 'u', password: 'p' },
    ],
    [
      'a key with scheme and path',
      { 'https://ghcr.io/v2/': { auth: b64('g:h:i') } },
      'ghcr.io',
      { username: 'g', password: 'h:i' },
    ],
    [
      'auth wins over username/password',
      { 'localhost:5000': { auth: b64('a:b'), username: 'x', password: 'y' } },
      'localhost:5000',
      { username: 'a', password: 'b' },
    ],
    [
      'the exact key wins over a host match',
      {
        'https://ghcr.io': { auth: b64('loose:1') },
        'ghcr.io': { auth: b64('exact:2') },
      },
      'ghcr.io',
      { username: 'exact', password: '2' },
    ],
    [
      'the port is part of the host',
      { 'localhost:5001': { auth: b64('a:b') } },
      'localhost:5000',
      undefined,
    ],
    ['no entry', { 'quay.io': { auth: b64('a:b') } }, 'ghcr.io', undefined],
  ])('%s', (_name, auths, domain, want) => {
    expect(credentialsFromDockerConfig(config(auths), domain, 'secret ns/pull')).toEqual(want);
  });

  it.each([
    ['not json', '{', /not valid JSON/],
    ['no auths', '{}', /no "auths"/],
    [
      'auth without colon',
      config({ 'ghcr.io': { auth: b64('nocolon') } }),
      /not base64 of username:password/,
    ],
    ['empty entry', config({ 'ghcr.io': {} }), /neither "auth" nor/],
  ])('refuses %s', (_name, json, why) => {
    expect(() => credentialsFromDockerConfig(json, 'ghcr.io', 'secret ns/pull')).toThrow(why);
  });

  it('reads a Secret and names it, never the password, in errors', () => {
    const data = {
      '.dockerconfigjson': b64(config({ 'ghcr.io': { auth: b64('bob:s3cret-pw') } })),
    };
    expect(credentialsFromSecretData(data, 'ghcr.io', 'ns/pull')).toEqual({
      username: 'bob',
      password: 's3cret-pw',
    });
    let caught: unknown;
    try {
      credentialsFromSecretData({ other: b64('s3cret-pw') }, 'ghcr.io', 'ns/pull');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RegistryError);
    expect((caught as Error).message).toContain('ns/pull');
    expect((caught as Error).message).not.toContain('s3cret');
  });
});

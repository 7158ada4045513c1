import { describe, expect, it } from '@jest/globals';
import { hasUserInfo, isCleartextToNetwork, redactUrl, redactUrlsIn } from '../src/url.js';

describe('redactUrl', () => {
  it.each([
    ['https://user:s3cr3t@example.com/charts', 'https://example.com/charts'],
    ['https://x-token@example.com/org/repo.git', 'https://example.com/org/repo.git'],
    ['http://127.0.0.1:8080/index.yaml', 'http://127.0.0.1:8080/index.yaml'],
    ['https://example.com/a?ref=v1', 'https://example.com/a?ref=v1'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    // Not a URL Node parses: everything up to the last @ of the authority goes.
    ['https://us er:p@ss@exa mple/x', 'https://exa mple/x'],
  ])('%s → %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});

describe('redactUrlsIn', () => {
  it('removes the user info of every URL in free text', () => {
    expect(
      redactUrlsIn('GET https://a:b@one.example/x failed, then http://tok@two.example/ too'),
    ).toBe('GET https://one.example/x failed, then http://two.example/ too');
  });
  it('leaves text without user info alone', () => {
    expect(redactUrlsIn('mail me@example.com about https://example.com/@scope')).toBe(
      'mail me@example.com about https://example.com/@scope',
    );
  });
});

describe('hasUserInfo', () => {
  it.each([
    ['https://user:pw@example.com/', true],
    ['https://token@example.com/', true],
    ['https://example.com/@scope/pkg', false],
    ['https://example.com/', false],
  ])('%s → %s', (url, expected) => {
    expect(hasUserInfo(url)).toBe(expected);
  });
});

describe('isCleartextToNetwork', () => {
  it.each([
    ['http://charts.example.com/', true],
    ['http://10.0.0.7:8080/', true],
    ['http://localhost:8080/', true],
    ['http://127.0.0.1:8080/', false],
    ['http://127.3.4.5/', false],
    ['http://[::1]:8080/', false],
    ['https://charts.example.com/', false],
    ['oci://registry.example.com/charts', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(isCleartextToNetwork(url)).toBe(expected);
  });
});

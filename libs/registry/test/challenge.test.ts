import { describe, expect, it } from '@jest/globals';
import { nextPage, parseChallenges, retryAfterMs } from '../src/index.js';

describe('parseChallenges', () => {
  it.each([
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.docker.io/token',
            service: 'registry.docker.io',
            scope: 'repository:library/nginx:pull',
          },
        },
      ],
    ],
    ['Basic realm="tide-test"', [{ scheme: 'basic', params: { realm: 'tide-test' } }]],
    ['basic realm=plain', [{ scheme: 'basic', params: { realm: 'plain' } }]],
    [
      'Basic realm="a", Bearer realm="https://t/x", service=reg',
      [
        { scheme: 'basic', params: { realm: 'a' } },
        { scheme: 'bearer', params: { realm: 'https://t/x', service: 'reg' } },
      ],
    ],
    [
      'Bearer realm="q\\"uoted", scope="repository:a:pull,push"',
      [{ scheme: 'bearer', params: { realm: 'q"uoted', scope: 'repository:a:pull,push' } }],
    ],
    ['Bearer REALM="x"', [{ scheme: 'bearer', params: { realm: 'x' } }]],
    ['Negotiate', [{ scheme: 'negotiate', params: {} }]],
    ['', []],
  ])('%s', (header, want) => {
    const got = parseChallenges(header).map((challenge) => ({
      scheme: challenge.scheme,
      params: { ...challenge.params },
    }));
    expect(got).toEqual(want);
  });

  it('does not let a parameter named __proto__ reach a prototype', () => {
    const [challenge] = parseChallenges('Bearer __proto__="x", realm="r"');
    expect(challenge?.params.realm).toBe('r');
    expect(Object.getPrototypeOf(challenge?.params)).toBeNull();
  });
});

describe('nextPage', () => {
  const current = new URL('http://127.0.0.1:5000/v2/app/tags/list?n=2');
  it.each([
    [
      '</v2/app/tags/list?last=b&n=2>; rel="next"',
      'http://127.0.0.1:5000/v2/app/tags/list?last=b&n=2',
    ],
    ['<http://other/v2/x>; rel=next', 'http://other/v2/x'],
    ['</a>; rel="prev", </b>; rel="next"', 'http://127.0.0.1:5000/b'],
    ['</a>; rel="prev"', undefined],
    ['garbage', undefined],
  ])('%s', (link, want) => {
    expect(nextPage(link, current)?.href).toBe(want);
  });
  it('is undefined without a Link header', () => {
    expect(nextPage(undefined, current)).toBeUndefined();
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-12-03T12:00:00Z');
  it.each([
    ['3', 3000],
    [' 0 ', 0],
    ['Thu, 03 Dec 2026 12:00:05 GMT', 5000],
    ['Thu, 03 Dec 2026 11:00:00 GMT', 0],
    ['soon', undefined],
    [undefined, undefined],
  ])('%s', (value, want) => {
    expect(retryAfterMs(value, now)).toBe(want);
  });
});

/**
 * Unbounded durations and hidden paths in remote addresses (review M8, H3): a tenant's
 * `?timeout=` may not hold a worker longer than five minutes, and a `#` fragment is refused.
 */
import { describe, expect, it } from '@jest/globals';
import { KustomizeError } from '@tide/kustomize';
import { maxRemoteTimeoutMs, parseRepoSpec } from '../src/remote/spec.js';

describe('remote address limits', () => {
  it.each([
    ['?timeout=999999', 5 * 60_000],
    ['?timeout=10h', 5 * 60_000],
    ['?timeout=4m', 4 * 60_000],
  ])('caps %s', (query, expected) => {
    const spec = parseRepoSpec(`https://example.com/org/repo//deploy${query}`, 'k.yaml');
    expect(spec.timeoutMs).toBe(expected);
    expect(maxRemoteTimeoutMs).toBe(300_000);
  });

  it('refuses a # fragment, showing the address without its credentials', () => {
    expect(() =>
      parseRepoSpec('https://user:tok3n@example.com/org/repo#/latest/meta-data', 'k.yaml'),
    ).toThrow(
      new KustomizeError(
        'k.yaml: remote resource https://example.com/org/repo: a remote address may not carry a # fragment',
      ),
    );
  });
});

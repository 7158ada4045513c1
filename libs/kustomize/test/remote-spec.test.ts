import { describe, expect, it } from '@jest/globals';
import { KustomizeError } from '@tide/kustomize';
import { parseRepoSpec } from '../src/remote/spec.js';

describe('remote addresses', () => {
  it.each([
    [
      'https://example.com/org/repo//deploy/prod?ref=v1.2.0',
      { cloneUrl: 'https://example.com/org/repo', path: 'deploy/prod', ref: 'v1.2.0' },
    ],
    [
      'https://example.com/org/repo.git/deploy?version=main',
      { cloneUrl: 'https://example.com/org/repo.git', path: 'deploy', ref: 'main' },
    ],
    [
      'git::https://example.com/org/repo.git//deploy?ref=v1&version=v0',
      { cloneUrl: 'https://example.com/org/repo.git', path: 'deploy', ref: 'v1' },
    ],
    [
      'github.com/org/repo/deploy/prod?ref=v1',
      { cloneUrl: 'https://github.com/org/repo', path: 'deploy/prod', ref: 'v1' },
    ],
    [
      'https://github.com/org/repo/deploy',
      { cloneUrl: 'https://github.com/org/repo', path: 'deploy', ref: '' },
    ],
    [
      'git@github.com:org/repo.git/deploy?ref=v1',
      { cloneUrl: 'git@github.com:org/repo.git', path: 'deploy', ref: 'v1' },
    ],
    [
      'git@gitlab.example.com:group/repo.git',
      { cloneUrl: 'git@gitlab.example.com:group/repo.git', path: '', ref: '' },
    ],
    [
      'ssh://git@example.com/org/repo.git//deploy',
      { cloneUrl: 'ssh://git@example.com/org/repo.git', path: 'deploy', ref: '' },
    ],
    [
      'https://dev.azure.com/org/project/_git/repo/deploy?ref=main',
      { cloneUrl: 'https://dev.azure.com/org/project/_git/repo', path: 'deploy', ref: 'main' },
    ],
  ])('%s', (address, want) => {
    expect(parseRepoSpec(address, 'k.yaml')).toMatchObject(want);
  });

  it.each([
    ['https://example.com/org/repo//deploy?timeout=61', 61_000],
    ['https://example.com/org/repo//deploy?timeout=1m30s', 90_000],
    ['https://example.com/org/repo//deploy', 27_000],
  ])('reads the timeout of %s', (address, timeoutMs) => {
    expect(parseRepoSpec(address, 'k.yaml').timeoutMs).toBe(timeoutMs);
  });

  it.each([
    ['example.com/org/repo', /failed to parse scheme/],
    ['https://example.com/repo', /failed to parse repo path segment/],
    ['https://example.com/org/repo//../../etc', /url path exits repo/],
  ])('refuses %s', (address, message) => {
    expect(() => parseRepoSpec(address, 'k.yaml')).toThrow(KustomizeError);
    expect(() => parseRepoSpec(address, 'k.yaml')).toThrow(message);
  });
});

import { describe, expect, it } from '@jest/globals';
import { GitError, SparseCheckout, normalizeSparseCheckout } from '../src/index.js';

describe('normalizeSparseCheckout', () => {
  it.each<[string[] | undefined, string[]]>([
    [undefined, []],
    [[], []],
    [
      ['charts', 'kustomize'],
      ['charts', 'kustomize'],
    ],
    [
      ['/charts/', './deploy/base', 'a//'],
      ['charts', 'deploy/base', 'a'],
    ],
    [['charts', '.'], []],
    [['/'], []],
  ])('%j → %j', (paths, expected) => {
    expect(normalizeSparseCheckout(paths)).toEqual(expected);
  });

  it.each([['../up'], ['a/../../b'], ['a/./b'], ['a\\b'], ['a//b'], ['a\0b']])(
    'refuses %j as InvalidReference',
    (path) => {
      let caught: unknown;
      try {
        normalizeSparseCheckout([path]);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(GitError);
      expect((caught as GitError).reason).toBe('InvalidReference');
      expect((caught as GitError).message).toContain('sparseCheckout path');
    },
  );
});

describe('SparseCheckout', () => {
  const sparse = new SparseCheckout(['charts', 'deploy/base']);

  it.each([
    ['charts', true],
    ['charts/app/Chart.yaml', true],
    ['deploy/base/k.yaml', true],
    ['chartsy/x', false],
    ['deploy/overlay/k.yaml', false],
    ['deploy', false],
    ['README.md', false],
  ])('includes %s: %s', (path, expected) => {
    expect(sparse.includes(path)).toBe(expected);
  });

  it.each([
    ['deploy', true],
    ['deploy/base', true],
    ['dep', false],
    ['other', false],
  ])('overlaps %s (a submodule there is wanted): %s', (path, expected) => {
    expect(sparse.overlaps(path)).toBe(expected);
  });

  it('includes everything when no directory is listed', () => {
    expect(new SparseCheckout([]).includes('any/where')).toBe(true);
  });

  it('accepts directories that hold a file, and names the first one missing as Flux does', () => {
    expect(() => {
      sparse.requireExisting(['charts/a.yaml', 'deploy/base/b.yaml']);
    }).not.toThrow();
    expect(() => {
      sparse.requireExisting(['charts/a.yaml', 'deploy/b.yaml']);
    }).toThrow("sparse checkout dir 'deploy/base' does not exist in repository");
  });
});

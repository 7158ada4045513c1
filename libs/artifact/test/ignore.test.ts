import { describe, expect, it } from '@jest/globals';
import { IgnoreMatcher } from '../src/index.js';

describe('IgnoreMatcher', () => {
  it.each([
    ['.git/config', true],
    ['.github/workflows/ci.yaml', true],
    ['logo.png', true],
    ['charts/app-1.0.0.tar.gz', true],
    ['clusters/prod/.sops.yaml', true],
    ['.gitlab-ci.yml', true],
    ['deploy/app.yaml', false],
    ['README.md', false],
  ])('default exclusions: %s excluded=%s', (path, excluded) => {
    expect(new IgnoreMatcher().excludes(path)).toBe(excluded);
  });

  it.each([
    ['secrets/db.yaml', true],
    ['docs/guide.md', true],
    ['docs/keep.md', false],
    ['deploy/app.yaml', false],
    ['logo.png', false], // spec.ignore brings back a default exclusion
  ])('spec.ignore overlays the defaults: %s excluded=%s', (path, excluded) => {
    const matcher = new IgnoreMatcher({ specIgnore: 'secrets/\n*.md\n!docs/keep.md\n!*.png\n' });
    expect(matcher.excludes(path)).toBe(excluded);
  });

  it.each([
    ['apps/dev/values.yaml', true],
    ['apps/dev/kustomization.yaml', false],
    ['values.yaml', false], // a nested .sourceignore only applies below its directory
    ['tmp/scratch.yaml', true],
  ])('.sourceignore files apply in their own domain: %s excluded=%s', (path, excluded) => {
    const matcher = new IgnoreMatcher({
      sourceIgnoreFiles: new Map([
        ['', 'tmp/\n'],
        ['apps/dev', 'values.yaml\n'],
      ]),
    });
    expect(matcher.excludes(path)).toBe(excluded);
  });

  it('can leave out the defaults (Bucket sources)', () => {
    expect(new IgnoreMatcher({ withoutDefaults: true }).excludes('.github/x.yaml')).toBe(false);
  });
});

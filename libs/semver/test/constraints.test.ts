import { describe, expect, it } from '@jest/globals';
import {
  InvalidConstraintError,
  compareVersions,
  highestSatisfying,
  mustParseVersion,
  parseConstraints,
  parseVersion,
} from '../src/index.js';

describe('parseVersion', () => {
  it.each([
    ['1.2.3', [1, 2, 3, '', '']],
    ['v1.2.3', [1, 2, 3, '', '']],
    ['1.2', [1, 2, 0, '', '']],
    ['2', [2, 0, 0, '', '']],
    ['1.2.3-rc.1+build.5', [1, 2, 3, 'rc.1', 'build.5']],
  ])('%s', (text, [major, minor, patch, prerelease, metadata]) => {
    expect(parseVersion(text)).toEqual({
      major,
      minor,
      patch,
      prerelease,
      metadata,
      original: text,
    });
  });

  it.each([['latest'], ['1.2.3.4'], ['1.2.3-01'], [''], ['v'], ['1.2.3-']])(
    'refuses %j',
    (text) => {
      expect(parseVersion(text)).toBeUndefined();
    },
  );

  it('orders pre-releases by SemVer 2.0.0 rules and ignores build metadata', () => {
    const sorted = [
      '1.0.0',
      '1.0.0-rc.1',
      '1.0.0-beta.11',
      '1.0.0-beta.2',
      '1.0.0-beta',
      '1.0.0-alpha.beta',
      '1.0.0-alpha.1',
      '1.0.0-alpha',
    ]
      .map(mustParseVersion)
      .sort(compareVersions)
      .map((v) => v.original);
    expect(sorted).toEqual([
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
    ]);
    expect(compareVersions(mustParseVersion('1.0.0+a'), mustParseVersion('1.0.0+b'))).toBe(0);
  });
});

describe('parseConstraints', () => {
  it.each([[''], ['>>1'], ['1.2.3.4'], ['abc'], ['>=1.0 <<2'], ['>=1.0,'], ['|| 1.0']])(
    'refuses %j with a message naming it',
    (text) => {
      expect(() => parseConstraints(text)).toThrow(InvalidConstraintError);
      expect(() => parseConstraints(text)).toThrow(/improper constraint/);
    },
  );
});

describe('highestSatisfying', () => {
  const tags = ['v1.0.0', '1.2.0', 'v1.10.0', 'v2.0.0-rc.1', 'v2.0.0', 'latest', 'v0.9.9'];
  it.each([
    ['*', 'v2.0.0'],
    ['>=1.0.0 <2.0.0', 'v1.10.0'],
    ['>=1.0.0, <1.5.0', '1.2.0'],
    ['~1.0', 'v1.0.0'],
    ['^1.2', 'v1.10.0'],
    ['<1.0.0 || >=2.0.0', 'v2.0.0'],
    ['>=2.0.0-rc.0 <2.0.0', 'v2.0.0-rc.1'],
    ['>=3.0.0', undefined],
  ])('%s → %s', (range, expected) => {
    expect(highestSatisfying(tags, parseConstraints(range))).toBe(expected);
  });
});

describe('hyphen ranges on hostile input', () => {
  // Quadratic matching takes tens of seconds on these; linear matching, milliseconds.
  it.each([
    ['a long digit run', `${'1'.repeat(200_000)}a`],
    ['a long version before an unfinished range', `1 ${'1'.repeat(200_000)} -`],
  ])('refuses %s in linear time', (_what, text) => {
    const started = process.cpuUsage();
    expect(() => parseConstraints(text)).toThrow(InvalidConstraintError);
    const { user, system } = process.cpuUsage(started);
    expect((user + system) / 1000).toBeLessThan(1000);
  });

  it.each([
    ['1.2 - 1.4 <1.3', '1.2.5', true],
    ['1.2 - 1.4 <1.3', '1.3.1', false],
    ['>=1, 1.2 - 1.4', '1.4.0', true],
    ['1.0 - 1.1 || 2.0 - 2.1', '2.1.0', true],
  ])('%s allows %s: %s', (range, version, allowed) => {
    expect(parseConstraints(range).check(mustParseVersion(version))).toBe(allowed);
  });
});

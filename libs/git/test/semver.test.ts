import { describe, expect, it } from '@jest/globals';
import { highestMatchingTag } from '../src/index.js';

describe('highestMatchingTag', () => {
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
    expect(highestMatchingTag(tags, range)).toBe(expected);
  });
});

import { describe, expect, it } from '@jest/globals';
import { formatDuration, jitter, parseDuration } from '../src/index.js';

describe('Go durations', () => {
  it.each([
    ['1m', 60_000],
    ['10m0s', 600_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5s', 1_500],
    ['0', 0],
    ['-2s', -2_000],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', '1d', 'm', '1m x'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });

  it.each([
    [750, '750ms'],
    [900_000, '15m0s'],
    [35_000, '35s'],
    [5_400_000, '1h30m0s'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([
    [0, 950],
    [0.5, 1_000],
    [1, 1_050],
  ])('jitters 1s by ±5%% (random %d → %d ms)', (random, want) => {
    expect(jitter(1_000, 5, () => random)).toBe(want);
  });
});

import { describe, expect, it } from '@jest/globals';
import { Command } from 'commander';
import { addSourceFlags, memoryBudgetWarning, sourceOptionsFrom } from '../src/flags.js';

const mebibyte = 1024 * 1024;

describe('source-controller memory defaults (M9)', () => {
  it('the default Git size limit fits --concurrent=2 in the chart heap of 768 MiB', () => {
    const options = sourceOptionsFrom(
      addSourceFlags(new Command()).parse([], { from: 'user' }).opts(),
    );
    expect(options.gitRepositoryMaxSize).toBe(128 * mebibyte);
    expect(memoryBudgetWarning(options, 2, 768 * mebibyte)).toBeUndefined();
  });

  it('warns, naming the flags, when concurrent fetches at the limit could outgrow the heap', () => {
    const warning = memoryBudgetWarning(
      { gitRepositoryMaxSize: 1024 * mebibyte },
      2,
      768 * mebibyte,
    );
    expect(warning).toBe(
      "--git-repository-max-size=1073741824 with --concurrent=2 may need 6144 MiB of heap, more than the 768 MiB this process has: lower --git-repository-max-size or --concurrent, or raise --max-old-space-size and the pod's memory limit",
    );
  });
});

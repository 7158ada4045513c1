import { describe, expect, it } from '@jest/globals';
import { expand } from '../src/transformers/vars.js';

const values: Record<string, string> = { A: 'alpha', B: 'beta' };
const mapping = (name: string) => values[name] ?? `$(${name})`;

describe('$(VAR) expansion', () => {
  it.each([
    ['$(A)', 'alpha'],
    ['x-$(A)-$(B)-y', 'x-alpha-beta-y'],
    ['$(UNKNOWN)', '$(UNKNOWN)'],
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$alpha'],
    ['cost: $5', 'cost: $5'],
    ['unclosed $(A', 'unclosed $(A'],
    ['trailing $', 'trailing $'],
  ])('%s expands to %s', (input, expected) => {
    expect(expand(input, mapping)).toBe(expected);
  });
});

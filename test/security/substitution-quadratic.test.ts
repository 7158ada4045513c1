import { describe, expect, it } from '@jest/globals';
import { substitute } from '@tide/kustomization';

/**
 * Quadratic post-build substitution: 5 MB of unclosed `${` made every expression search to the
 * end of the text. The acceptance criterion is a CPU bound: under 1 s of this process's CPU
 * time (not wall-clock time, which other processes on a loaded machine would stretch).
 */
describe('post-build substitution on hostile input', () => {
  it('substitutes 5 MB full of `${` in under 1 s', () => {
    const text = '${a:='.repeat(1_000_000);
    const started = process.cpuUsage();
    const out = substitute(text, new Map([['a', 'x']]));
    const { user, system } = process.cpuUsage(started);
    expect((user + system) / 1000).toBeLessThan(1000);
    expect(out).toBe(text);
  });
});

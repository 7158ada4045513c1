import { describe, expect, it } from '@jest/globals';
import { substitute } from '@tide/kustomization';

/**
 * Catastrophic backtracking through a tenant's glob: `${v##*a*a*a*a*a*a*a*a*b}` over a long run
 * of `a`, translated to a backtracking RegExp, takes time exponential in the number of stars.
 * Post-build substitution runs the glob as a state set over the value instead, so the cost is
 * the value's length times the pattern's, and must stay under 1 s of this process's CPU time.
 */
describe('post-build substitution globs on hostile input', () => {
  const value = 'a'.repeat(200_000);
  const variables = new Map([['v', value]]);

  it.each([
    ['no match: the value is left', '${v##*a*a*a*a*a*a*a*a*b}', value],
    ['longest match: everything goes', '${v##*a*a*a*a*a*a*a*a}', ''],
    ['shortest match: eight characters go', '${v#*a*a*a*a*a*a*a*a}', value.slice(8)],
    ['suffix forms too', '${v%%a*a*a*a*a*a*a*a*b*}', value],
  ])('%s, in under 1 s', (_what, expression, expected) => {
    const started = process.cpuUsage();
    const out = substitute(expression, variables);
    const { user, system } = process.cpuUsage(started);
    expect((user + system) / 1000).toBeLessThan(1000);
    expect(out).toBe(expected);
  });
});

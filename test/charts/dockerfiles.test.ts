import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@tide/harness';

/**
 * No Docker engine runs here, so each controller's Dockerfile is held to the rules by
 * reading it: multi-stage, the current Node LTS, a numeric non-root user, and an entry point
 * that exists in the build output.
 */
const nodeLts = '26';
const controllersDir = join(repoRoot(), 'controllers');
const controllers = readdirSync(controllersDir).filter((name) => existsSync(join(controllersDir, name, 'package.json')));

describe.each(controllers)('controllers/%s/Dockerfile', (name) => {
  const path = join(controllersDir, name, 'Dockerfile');
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const instructions = text.split('\n').filter((line) => /^[A-Z]+ /.test(line));

  it('exists and is multi-stage on the current Node LTS', () => {
    const from = instructions.filter((line) => line.startsWith('FROM '));
    expect(from.length).toBeGreaterThanOrEqual(2);
    for (const line of from) expect(line).toMatch(new RegExp(`^FROM node:${nodeLts}-`));
  });

  it('runs as a numeric non-root user', () => {
    const user = instructions.filter((line) => line.startsWith('USER ')).at(-1);
    expect(user).toMatch(/^USER [1-9]\d*:[1-9]\d*$/);
  });

  it(`starts the controller's compiled entry point`, () => {
    expect(text).toContain(`ENTRYPOINT ["node", "controllers/${name}/dist/src/main.js"]`);
    expect(existsSync(join(controllersDir, name, 'src', 'main.ts'))).toBe(true);
  });
});

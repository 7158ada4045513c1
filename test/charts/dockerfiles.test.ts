import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@tide/harness';

/**
 * No Docker engine runs here, so the one Dockerfile every controller is built from
 * (`--build-arg CONTROLLER=<name>`) is held to the rules by reading it: multi-stage on the
 * current Node LTS, no lifecycle scripts, only compiled output in the runtime stage, a numeric
 * non-root user, `--disable-proto=delete`, and an entry point each controller has.
 */
const nodeLts = '26';
const text = readFileSync(join(repoRoot(), 'Dockerfile'), 'utf8');
const instructions = text.split('\n').filter((line) => /^[A-Z]+ /.test(line));
const stages = text.split(/^FROM /m).slice(1);
const runtime = stages.at(-1) ?? '';

describe('Dockerfile', () => {
  it('is multi-stage on the current Node LTS', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${nodeLts}-`, 'm'));
    for (const line of instructions.filter((l) => l.startsWith('FROM ')))
      expect(line).toMatch(/^FROM \$\{NODE_IMAGE\}/);
  });

  it('installs without lifecycle scripts', () => {
    const installs = text.match(/npm (ci|prune)[^\n]*/g) ?? [];
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install).toContain('--ignore-scripts');
  });

  it('keeps only compiled output and production modules in the runtime stage', () => {
    expect(runtime).not.toMatch(/COPY --from=build \S*\/src\/(libs|controllers)\b/);
    expect(text).toContain('npm prune --omit=dev');
    expect(runtime).toContain('rm -rf /usr/local/lib/node_modules');
  });

  it('runs as a numeric non-root user with prototype access removed', () => {
    const user = instructions.filter((line) => line.startsWith('USER ')).at(-1);
    expect(user).toMatch(/^USER [1-9]\d*:[1-9]\d*$/);
    expect(runtime).toContain('NODE_OPTIONS=--disable-proto=delete');
  });

  const controllersDir = join(repoRoot(), 'controllers');
  const controllers = readdirSync(controllersDir).filter((name) =>
    existsSync(join(controllersDir, name, 'package.json')),
  );
  it.each(controllers)(`starts %s's compiled entry point`, (name) => {
    expect(text).toContain('ENTRYPOINT ["node", "controller/dist/src/main.js"]');
    expect(existsSync(join(controllersDir, name, 'src', 'main.ts'))).toBe(true);
    expect(existsSync(join(controllersDir, name, 'Dockerfile'))).toBe(false);
  });
});

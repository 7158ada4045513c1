/**
 * The real-world sweep: each directory under realworld/ is the kustomize layout of a widely used
 * public project's install manifests (written for these tests in the same shape, not copied),
 * and its `build-dirs` file lists the kustomizations to build. Each must come out of the engine
 * byte for byte as `kubectl kustomize` (kustomize v5.8.1) prints it.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { oracles, run } from '@tide/harness';
import { build } from '@tide/kustomize';

const sweepDir = join(import.meta.dirname, 'realworld');
const projects = readdirSync(sweepDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

function buildDirsOf(project: string): string[] {
  return readFileSync(join(sweepDir, project, 'build-dirs'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

describe('real-world sweep', () => {
  it('covers at least ten projects', () => {
    expect(projects.length).toBeGreaterThanOrEqual(10);
  });

  it.each(projects)('%s builds as kubectl kustomize does', async (project) => {
    const { kubectl } = await oracles();
    const dirs = buildDirsOf(project);
    expect(dirs.length).toBeGreaterThan(0);
    for (const relative of dirs) {
      const dir = join(sweepDir, project, relative);
      const expected = await run(kubectl, ['kustomize', dir]);
      expect({ dir: relative, yaml: build(dir).yaml }).toEqual({ dir: relative, yaml: expected });
    }
  });
});

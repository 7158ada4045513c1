import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeTempDir, repoRoot, type TempDir } from '@tide/harness';

/**
 * The layering lint (`.dependency-cruiser.cjs`, run by `make lint`) on a small tree laid out
 * like the repository: each forbidden arrow of ARCHITECTURE.md is reported by its rule, and
 * the arrows that are allowed are not. On the real tree it is `make lint` that runs it.
 */
const root = repoRoot();
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');

type Probe = readonly [from: string, to: string];

const forbidden: readonly (readonly [rule: string, ...Probe])[] = [
  [
    'lib-imports-controller-or-cli',
    'libs/ssa/src/a.ts',
    'controllers/helm-controller/src/index.ts',
  ],
  ['lib-imports-controller-or-cli', 'libs/ssa/test/a.test.ts', 'cli/src/index.ts'],
  [
    'cli-imports-controller',
    'cli/src/commands/a.ts',
    'controllers/kustomize-controller/src/index.ts',
  ],
  [
    'controller-imports-controller',
    'controllers/kustomize-controller/test/a.test.ts',
    'controllers/source-controller/src/index.ts',
  ],
  ['engine-imports-cluster-code', 'libs/kustomize/src/a.ts', 'libs/runtime/src/index.ts'],
  ['engine-imports-cluster-code', 'libs/gotemplate/src/a.ts', 'libs/kube/src/client.ts'],
  [
    'engine-imports-cluster-code',
    'libs/kustomize/src/b.ts',
    'node_modules/@kubernetes/client-node/index.ts',
  ],
  ['production-imports-test-code', 'libs/git/src/a.ts', 'test/harness/src/index.ts'],
  ['kube-imports-workspace', 'libs/kube/src/a.ts', 'libs/api/src/index.ts'],
];

const allowed: readonly (readonly [what: string, ...Probe])[] = [
  ['a controller on a library', 'controllers/helm-controller/src/b.ts', 'libs/ssa/src/index.ts'],
  [
    'a controller on its own files',
    'controllers/helm-controller/test/b.test.ts',
    'controllers/helm-controller/src/c.ts',
  ],
  ['the CLI on a library', 'cli/src/commands/b.ts', 'libs/kustomization/src/index.ts'],
  ['an engine on the pure selector module', 'libs/kustomize/src/c.ts', 'libs/kube/src/selector.ts'],
  ['a test on the harness', 'libs/runtime/test/b.test.ts', 'test/harness/src/net.ts'],
];

/** Writes each probe (a file that imports another) into `dir`. */
async function writeProbe(dir: string, [from, to]: Probe): Promise<void> {
  for (const file of [from, to]) await mkdir(join(dir, dirname(file)), { recursive: true });
  await writeFile(join(dir, to), 'export const value = 1;\n');
  const specifier = to.startsWith('node_modules/')
    ? to.slice('node_modules/'.length).replace(/\/index\.ts$/, '')
    : relativeSpecifier(from, to);
  await writeFile(join(dir, from), `export { value } from '${specifier}';\n`);
}

function relativeSpecifier(from: string, to: string): string {
  const up = from
    .split('/')
    .slice(0, -1)
    .map(() => '..');
  return `${up.join('/')}/${to.replace(/\.ts$/, '.js')}`;
}

/** The rules each probe's file breaks, by file, from one run of the real config. */
function cruise(dir: string, files: readonly string[]): Map<string, string[]> {
  // depcruise exits non-zero when it finds violations: the report is read either way.
  const result = spawnSync(
    depcruise,
    [...files, '--config', join(root, '.dependency-cruiser.cjs'), '--output-type', 'json'],
    { cwd: dir, encoding: 'utf8' },
  );
  const report = JSON.parse(result.stdout) as {
    summary: { violations: { from: string; rule: { name: string } }[] };
  };
  const byFile = new Map<string, string[]>();
  for (const v of report.summary.violations)
    byFile.set(v.from, [...(byFile.get(v.from) ?? []), v.rule.name]);
  return byFile;
}

describe('layering lint', () => {
  let tree: TempDir;
  let found: Map<string, string[]>;
  beforeAll(async () => {
    tree = await makeTempDir('lint-boundaries');
    await copyFile(join(root, 'tsconfig.base.json'), join(tree.path, 'tsconfig.base.json'));
    const probes = [...forbidden, ...allowed].map(([, from, to]): Probe => [from, to]);
    for (const probe of probes) await writeProbe(tree.path, probe);
    found = cruise(
      tree.path,
      probes.map(([from]) => from),
    );
  });
  afterAll(async () => {
    await tree.remove();
  });

  it.each(forbidden)('reports %s: %s → %s', (rule, from) => {
    expect(found.get(from)).toContain(rule);
  });

  it.each(allowed)('allows %s: %s → %s', (_what, from) => {
    expect(found.get(from) ?? []).toEqual([]);
  });
});

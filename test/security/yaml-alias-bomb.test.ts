import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderKustomization, substituteResources } from '@tide/kustomization';
import { build, KustomizeError } from '@tide/kustomize';
import { makeTempDir, type TempDir } from '@tide/harness';
import { tenantKustomization } from './fixtures.js';

/**
 * YAML alias bomb ("billion laughs"): nine anchored lists of ten aliases each, 10^9 scalars
 * once expanded, in about 450 bytes. Every place the engine reads tenant YAML refuses it in
 * well under 100 ms, naming the file, instead of expanding it (main: minutes, then OOM).
 */
function billionLaughs(): string {
  const lines = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: {name: lol}',
    'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  ];
  const names = 'abcdefghi';
  for (let level = 1; level < names.length; level++) {
    const name = names.charAt(level);
    const below = `*${names.charAt(level - 1)}`;
    lines.push(`${name}: &${name} [${Array.from({ length: 10 }, () => below).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

const refusal = /bomb\.yaml.*: YAML aliases expand to more than \d+ nodes/;
// Unbounded, the expansion runs for minutes and then runs out of memory. With the budget the
// refusal costs 20-60 ms of CPU alone; in a jest worker of the whole suite on 2 busy cores the
// process's CPU time (GC threads included) measured up to 1,015 ms.
const fastMs = 3000;

/** The action's outcome and the CPU time it took (a loaded machine stretches wall-clock time). */
async function timed<T>(action: () => Promise<T> | T): Promise<{ error: unknown; ms: number }> {
  const started = process.cpuUsage();
  const cpuMs = () => {
    const { user, system } = process.cpuUsage(started);
    return (user + system) / 1000;
  };
  try {
    await action();
    return { error: undefined, ms: cpuMs() };
  } catch (error) {
    return { error, ms: cpuMs() };
  }
}

describe('YAML alias bomb', () => {
  let temp: TempDir;
  const bomb = billionLaughs();

  beforeAll(async () => {
    temp = await makeTempDir('security-alias-bomb');
    for (const dir of ['with-kustomization', 'generated', 'warm-up', 'warm-up-generated']) {
      await mkdir(join(temp.path, dir));
    }
    await writeFile(join(temp.path, 'with-kustomization', 'bomb.yaml'), bomb);
    await writeFile(
      join(temp.path, 'with-kustomization', 'kustomization.yaml'),
      'resources: [bomb.yaml]\n',
    );
    await writeFile(join(temp.path, 'generated', 'bomb.yaml'), bomb);
    await writeFile(
      join(temp.path, 'warm-up', 'kustomization.yaml'),
      'configMapGenerator: [{name: x, literals: [a=b]}]\n',
    );
    await writeFile(
      join(temp.path, 'warm-up-generated', 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n',
    );
    // The first build and render load and compile what they use; the timings below are of
    // the bomb alone.
    build(join(temp.path, 'warm-up'));
    await renderKustomization(
      tenantKustomization('./warm-up-generated'),
      join(temp.path, 'warm-up-generated'),
      {
        readData: () => Promise.resolve(undefined),
        strictSubstitutions: false,
        remoteBases: false,
      },
    );
  });
  afterAll(async () => {
    await temp.remove();
  });

  it('an engine build of the billion-laughs manifest fails fast with a clear message', async () => {
    expect(bomb.length).toBeGreaterThan(400);
    expect(bomb.length).toBeLessThan(520);
    const { error, ms } = await timed(() => build(join(temp.path, 'with-kustomization')));
    expect(error).toBeInstanceOf(KustomizeError);
    expect((error as Error).message).toMatch(refusal);
    expect(ms).toBeLessThan(fastMs);
  });

  it('rendering a Kustomization whose path has no kustomization file fails fast too', async () => {
    // The generated kustomization probes each file for objects first, then builds it.
    const dir = join(temp.path, 'generated');
    const { error, ms } = await timed(() =>
      renderKustomization(tenantKustomization('./generated'), dir, {
        readData: () => Promise.resolve(undefined),
        strictSubstitutions: false,
        remoteBases: false,
      }),
    );
    expect(error).toBeInstanceOf(KustomizeError);
    expect((error as Error).message).toMatch(refusal);
    expect(ms).toBeLessThan(fastMs);
  });

  it('post-build substitution that writes the bomb into an object is refused when re-read', async () => {
    const resource = build(join(temp.path, 'warm-up')).resources[0];
    if (resource === undefined) throw new Error('the warm-up build made no object');
    const data = Object.assign(Object.create(null) as Record<string, string>, {
      bomb: '${bomb}',
    });
    const withVariable = { ...resource, data };
    // The variable's value becomes YAML of the object: anchors and aliases included.
    const value = bomb
      .split('\n')
      .slice(3)
      .map((line) => `  ${line}`)
      .join('\n');
    const { error, ms } = await timed(() =>
      substituteResources([withVariable], new Map([['bomb', `x\n${value}`]])),
    );
    expect((error as Error).message).toMatch(/after substitution: YAML aliases expand to more/);
    expect(ms).toBeLessThan(fastMs);
  });
});

/**
 * Property tests. Random kustomizations of the supported fields build to exactly what kubectl
 * kustomize prints (or fail where it fails); random scalars print exactly as kustomize prints
 * them; random malformed kustomizations never crash the engine: they build or fail with a
 * KustomizeError.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, oracles, run, type TempDir } from '@tide/harness';
import { build, KustomizeError } from '@tide/kustomize';
import { random, writeRandomKustomization } from './random-kustomization.js';

type Random = () => number;

let temp: TempDir;

beforeAll(async () => {
  temp = await makeTempDir('kustomize-fuzz');
});

afterAll(async () => {
  await temp.remove();
});

describe('random valid kustomizations', () => {
  const seeds = Array.from({ length: 20 }, (_, index) => index + 1);

  it.each(seeds)(
    'seed %i builds exactly as kubectl kustomize does, or fails as it does',
    async (seed) => {
      const overlay = writeRandomKustomization(join(temp.path, `valid-${seed}`), seed);
      const { kubectl } = await oracles();
      const theirs = await run(kubectl, ['kustomize', overlay]).catch(() => undefined);
      if (theirs === undefined) {
        expect(() => build(overlay)).toThrow(KustomizeError);
      } else {
        expect(build(overlay).yaml).toBe(theirs);
      }
    },
  );
});

// Characters that exercise quoting, escaping, folding and block scalars. Keys avoid digits: for
// some digit-led keys kustomize's own key order changes from run to run (see README).
const scalarChars = Array.from(' \n\t\r:#-?\'"ab0Z19.,[]{}&*!|>%@`é\u00a0\\~=/+_ye');
const keyChars = Array.from('abAZ-._é');

function randomText(rand: Random, chars: readonly string[], length: number): string {
  return Array.from({ length }, () => chars[Math.floor(rand() * chars.length)] ?? '').join('');
}

describe('random scalars', () => {
  it.each([1, 2, 3, 4, 5])('seed %i prints exactly as kubectl kustomize does', async (seed) => {
    const rand = random(seed);
    const data: Record<string, string> = {};
    for (let i = 0; i < 60; i++) {
      const key = randomText(rand, keyChars.slice(1), 1) + randomText(rand, keyChars, 5);
      data[key] = randomText(rand, scalarChars, Math.floor(rand() * (rand() < 0.2 ? 200 : 20)));
    }
    const values = Object.values(data);
    const dir = join(temp.path, `scalars-${seed}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n- cm.yaml\n');
    writeFileSync(
      join(dir, 'cm.yaml'),
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x' },
        data,
        spec: { list: values.slice(0, 10), nested: { deeper: { list: values.slice(10, 20) } } },
      }),
    );
    const { kubectl } = await oracles();
    expect(build(dir).yaml).toBe(await run(kubectl, ['kustomize', dir]));
  });
});

const fields = [
  'resources',
  'namespace',
  'namePrefix',
  'nameSuffix',
  'commonLabels',
  'labels',
  'commonAnnotations',
  'images',
  'replicas',
  'patches',
  'patchesStrategicMerge',
  'patchesJson6902',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
  'sortOptions',
  'components',
];

function randomValue(rand: Random, depth: number): unknown {
  const choice = Math.floor(rand() * (depth > 2 ? 5 : 8));
  switch (choice) {
    case 0:
      return null;
    case 1:
      return Math.floor(rand() * 100);
    case 2:
      return rand() < 0.5;
    case 3:
      return ['x', 'res.yaml', 'a=b', '', '../up', 'kind: X'][Math.floor(rand() * 6)];
    case 4:
      return 'name';
    case 5:
    case 6:
      return Array.from({ length: Math.floor(rand() * 3) }, () => randomValue(rand, depth + 1));
    default: {
      const map: Record<string, unknown> = {};
      for (const key of ['name', 'path', 'patch', 'target', 'kind', 'literals', 'pairs', 'count']) {
        if (rand() < 0.3) map[key] = randomValue(rand, depth + 1);
      }
      return map;
    }
  }
}

describe('random malformed kustomizations', () => {
  const seeds = Array.from({ length: 200 }, (_, index) => index + 1000);

  it('never crash: they build or fail with a KustomizeError', () => {
    const failures: string[] = [];
    for (const seed of seeds) {
      const rand = random(seed);
      const dir = join(temp.path, `malformed-${seed}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'res.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: name\ndata:\n  a: b\n',
      );
      const kustomization: Record<string, unknown> = {};
      for (const field of fields) {
        if (rand() < 0.3) kustomization[field] = randomValue(rand, 0);
      }
      writeFileSync(join(dir, 'kustomization.yaml'), JSON.stringify(kustomization));
      try {
        expect(typeof build(dir).yaml).toBe('string');
      } catch (error) {
        if (!(error instanceof KustomizeError)) {
          failures.push(`seed ${seed}: ${String(error)}\n${JSON.stringify(kustomization)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});

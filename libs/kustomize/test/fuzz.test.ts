/**
 * Property tests. Random valid kustomizations build to exactly what kubectl kustomize prints;
 * random malformed ones never crash the engine: they build or fail with a KustomizeError.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, oracles, run, type TempDir } from '@tide/harness';
import { build, KustomizeError } from '@tide/kustomize';
import { random, writeRandomKustomization } from './random-kustomization.js';

let temp: TempDir;

beforeAll(async () => {
  temp = await makeTempDir('kustomize-fuzz');
});

afterAll(async () => {
  await temp.remove();
});

describe('random valid kustomizations', () => {
  const seeds = Array.from({ length: 20 }, (_, index) => index + 1);

  it.each(seeds)('seed %i builds exactly as kubectl kustomize does', async (seed) => {
    const overlay = writeRandomKustomization(join(temp.path, `valid-${seed}`), seed);
    const { kubectl } = await oracles();
    const theirs = await run(kubectl, ['kustomize', overlay]);
    expect(build(overlay).yaml).toBe(theirs);
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

type Random = () => number;

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

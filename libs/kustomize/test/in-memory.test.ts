/**
 * `BuildOptions.kustomization`: the top-level kustomization given as text, so a caller can
 * overlay fields on a tree it must not write into.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@tide/harness';
import { build, KustomizeError } from '@tide/kustomize';

let temp: TempDir;

beforeAll(async () => {
  temp = await makeTempDir('kustomize-in-memory');
});

afterAll(async () => {
  await temp.remove();
});

const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n';

describe('in-memory top-level kustomization', () => {
  it('builds a directory without a kustomization file and leaves it untouched', () => {
    const dir = join(temp.path, 'plain');
    mkdirSync(dir);
    writeFileSync(join(dir, 'cm.yaml'), configMap);
    const result = build(dir, { kustomization: 'resources: [cm.yaml]\nnamePrefix: p-\n' });
    expect(result.yaml).toContain('name: p-c');
    expect(readdirSync(dir)).toEqual(['cm.yaml']);
  });

  it('is used instead of the file on disk', () => {
    const dir = join(temp.path, 'shadowed');
    mkdirSync(dir);
    writeFileSync(join(dir, 'cm.yaml'), configMap);
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [cm.yaml]\n');
    const result = build(dir, { kustomization: 'resources: [cm.yaml]\nnamespace: team\n' });
    expect(result.yaml).toContain('namespace: team');
  });

  it('names the kustomization file in its errors', () => {
    const dir = join(temp.path, 'broken');
    mkdirSync(dir);
    const run = () => build(dir, { kustomization: 'resourcez: []\n' });
    expect(run).toThrow(KustomizeError);
    expect(run).toThrow(`${join(dir, 'kustomization.yaml')}: invalid Kustomization`);
  });
});

/**
 * Features the engine does not implement must be refused with a clear error, never ignored
 * (kustomize accepts these inputs, so they cannot be conformance cases).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@tide/harness';
import { build } from '@tide/kustomize';

let temp: TempDir;

beforeAll(async () => {
  temp = await makeTempDir('kustomize-unsupported');
});

afterAll(async () => {
  await temp.remove();
});

const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n';

describe('unsupported kustomize features', () => {
  it.each([
    ['helmCharts', 'helmCharts:\n- name: x\n'],
    ['validators', 'validators:\n- v.yaml\n'],
  ])('%s', (name, kustomization) => {
    const dir = join(temp.path, name.replaceAll(' ', '-'));
    mkdirSync(dir);
    writeFileSync(join(dir, 'cm.yaml'), configMap);
    writeFileSync(join(dir, 'kustomization.yaml'), `resources:\n- cm.yaml\n${kustomization}`);
    expect(() => build(dir)).toThrow(/not supported by tide's kustomize yet/);
  });
});

describe('configurations sections not read yet', () => {
  it.each(['varReference', 'labels'])('%s', (section) => {
    const dir = join(temp.path, `configurations-${section}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'cm.yaml'), configMap);
    writeFileSync(join(dir, 'config.yaml'), `${section}:\n- path: data/a\n  kind: ConfigMap\n`);
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      'resources:\n- cm.yaml\nconfigurations:\n- config.yaml\n',
    );
    expect(() => build(dir)).toThrow(
      new RegExp(`configurations section "${section}" is not supported by tide's kustomize yet`),
    );
  });

  it('openapi', () => {
    const dir = join(temp.path, 'openapi');
    mkdirSync(dir);
    writeFileSync(join(dir, 'cm.yaml'), configMap);
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      'resources:\n- cm.yaml\nopenapi:\n  path: s.json\n',
    );
    expect(() => build(dir)).toThrow(/field "openapi" is not supported by tide's kustomize yet/);
  });
});

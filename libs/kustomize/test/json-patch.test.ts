import { describe, expect, it } from '@jest/globals';
import { applyPatches, parsePatchText } from '../src/patch/patches.js';
import { ResourceIndex } from '../src/resource-index.js';
import { Resource } from '../src/resource.js';
import type { ValueMap } from '../src/value.js';
import { parseDocuments } from '../src/yaml/parse.js';

const noOptions = { allowNameChange: false, allowKindChange: false };

function twoConfigMaps(): ResourceIndex {
  const index = new ResourceIndex();
  for (const name of ['a', 'b']) {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: v\n`;
    index.add(new Resource(parseDocuments(text, 'test')[0] as ValueMap, 'test'));
  }
  return index;
}

describe('JSON 6902 patches', () => {
  it.each([
    ['add', '- op: add\n  path: /data/n\n  value: x\n', { k: 'v', n: 'x' }],
    ['replace', '- op: replace\n  path: /data/k\n  value: w\n', { k: 'w' }],
    ['remove', '- op: remove\n  path: /data/k\n', {}],
    ['copy', '- op: copy\n  from: /data/k\n  path: /data/c\n', { k: 'v', c: 'v' }],
    ['move', '- op: move\n  from: /data/k\n  path: /data/m\n', { m: 'v' }],
    ['JSON syntax', '[{"op": "add", "path": "/data/j", "value": "1"}]', { k: 'v', j: '1' }],
  ])('%s', (_name, text, data) => {
    const index = twoConfigMaps();
    applyPatches(index, parsePatchText(text, 'patch', { name: 'a' }, noOptions));
    const [a, b] = index.all();
    expect(a?.object.data).toEqual(data);
    expect(b?.object.data).toEqual({ k: 'v' });
  });

  it('gives every target its own copy of added values', () => {
    const index = twoConfigMaps();
    const text = '- op: add\n  path: /metadata/labels\n  value:\n    x: "1"\n';
    applyPatches(index, parsePatchText(text, 'patch', { kind: 'ConfigMap' }, noOptions));
    const [a, b] = index.all();
    expect(a?.metadata.labels).toEqual({ x: '1' });
    expect(a?.metadata.labels).not.toBe(b?.metadata.labels);
  });

  it('fails with the patch and resource named when a path is missing', () => {
    const index = twoConfigMaps();
    const text = '- op: replace\n  path: /spec/missing\n  value: 1\n';
    expect(() => {
      applyPatches(index, parsePatchText(text, 'patch.yaml', { name: 'a' }, noOptions));
    }).toThrow(/patch\.yaml: applying JSON patch to v1_ConfigMap a/);
  });

  it('requires a target', () => {
    expect(() =>
      parsePatchText('- op: remove\n  path: /data\n', 'p', undefined, noOptions),
    ).toThrow(/needs a target/);
  });
});

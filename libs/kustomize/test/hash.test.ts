import { describe, expect, it } from '@jest/globals';
import { encodeHash, goJson, nameHash } from '../src/hash.js';
import { Resource } from '../src/resource.js';
import type { ValueMap } from '../src/value.js';
import { parseDocuments } from '../src/yaml/parse.js';

function resource(text: string): Resource {
  return new Resource(parseDocuments(text, 'test')[0] as ValueMap, 'test');
}

describe('generated name hash', () => {
  // Expected suffixes are what kubectl kustomize (kustomize v5.8.1) produced for these inputs.
  it.each([
    [
      'ConfigMap a=1',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: "1"\n',
      'h29d89cmmt',
    ],
    [
      'ConfigMap a=1,b=two (the name does not count)',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p-cm\ndata:\n  a: "1"\n  b: two\n',
      '5m9tg7g54f',
    ],
    [
      'Secret x=y',
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ntype: Opaque\ndata:\n  x: eQ==\n',
      't86b282gdf',
    ],
    [
      'immutable does not count',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\nimmutable: true\ndata:\n  a: "1"\n',
      'h29d89cmmt',
    ],
  ])('%s', (_name, text, expected) => {
    expect(nameHash(resource(text))).toBe(expected);
  });

  it('maps 0, 1, 3, a and e to consonants and keeps ten characters', () => {
    expect(encodeHash('0123456789abcdef')).toBe('gh2k456789');
    expect(encodeHash('aeaeaeaeaeaeae')).toBe('mtmtmtmtmt');
  });

  it('encodes JSON as Go does: sorted keys, HTML-safe escapes', () => {
    expect(goJson({ b: '<&>', a: ['\u2028', 1, true, null] })).toBe(
      '{"a":["\\u2028",1,true,null],"b":"\\u003c\\u0026\\u003e"}',
    );
  });

  it('refuses kinds kustomize does not hash', () => {
    expect(() =>
      nameHash(resource('apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n')),
    ).toThrow(/cannot hash/);
  });
});

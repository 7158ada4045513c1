import { describe, expect, it } from '@jest/globals';
import { copyAt, parsePointer, removeAt, removeOwnership, valueAt } from '../src/pointer.js';
import type { Manifest } from '@tide/kube';

const live = {
  metadata: { name: 'web', annotations: { 'example.com/key': 'live' } },
  spec: {
    replicas: 5,
    template: {
      metadata: { annotations: { a: 'live' } },
      spec: { containers: [{ name: 'web', image: 'live:1' }] },
    },
  },
};

describe('JSON pointers', () => {
  it.each([
    ['', []],
    ['/spec/replicas', ['spec', 'replicas']],
    ['/metadata/annotations/example.com~1key', ['metadata', 'annotations', 'example.com/key']],
    ['/a~0b/~01', ['a~b', '~1']],
  ])('parses %j', (text, tokens) => {
    expect(parsePointer(text)).toEqual(tokens);
  });

  it.each([
    ['/spec/replicas', 5],
    ['/spec/template/spec/containers/0/image', 'live:1'],
    ['/spec/template/spec/containers/1/image', undefined],
    ['/spec/template/spec/containers/01/image', undefined],
    ['/spec/missing/x', undefined],
  ])('reads %s', (text, want) => {
    expect(valueAt(live, parsePointer(text))).toEqual(want);
  });

  it.each([
    [
      'into an existing field',
      '/spec/replicas',
      { spec: { replicas: 1 } },
      { spec: { replicas: 5 } },
    ],
    [
      'making the objects on the way',
      '/spec/template/metadata/annotations/a',
      { spec: { replicas: 1 } },
      { spec: { replicas: 1, template: { metadata: { annotations: { a: 'live' } } } } },
    ],
    [
      'into a list item the body has',
      '/spec/template/spec/containers/0/image',
      { spec: { template: { spec: { containers: [{ name: 'web', image: 'git:2' }] } } } },
      { spec: { template: { spec: { containers: [{ name: 'web', image: 'live:1' }] } } } },
    ],
    [
      'not into a list item the body lacks',
      '/spec/template/spec/containers/0/image',
      { spec: { template: { spec: { containers: [] } } } },
      { spec: { template: { spec: { containers: [] } } } },
    ],
    [
      'not from a path the source lacks',
      '/spec/paused',
      { spec: { paused: false } },
      { spec: { paused: false } },
    ],
  ])('copies %s', (_label, text, body, want) => {
    copyAt(live, body, parsePointer(text));
    expect(body).toEqual(want);
  });

  it('removes a field or a list item, and nothing when there is none', () => {
    const object = structuredClone(live);
    expect(removeAt(object, parsePointer('/spec/template/spec/containers/0'))).toBe(true);
    expect(removeAt(object, parsePointer('/spec/replicas'))).toBe(true);
    expect(removeAt(object, parsePointer('/spec/nothing'))).toBe(false);
    expect(object.spec).toEqual({
      template: { metadata: { annotations: { a: 'live' } }, spec: { containers: [] } },
    });
  });

  it('removes the ownership of a field from every manager, list items found by key', () => {
    const object: Manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        managedFields: [
          {
            manager: 'kustomize-controller',
            fieldsV1: {
              'f:spec': {
                'f:replicas': {},
                'f:template': {
                  'f:spec': {
                    'f:containers': {
                      'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} },
                    },
                  },
                },
              },
            },
          },
          { manager: 'hpa', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
        ],
      },
      spec: live.spec,
    };
    removeOwnership(object, parsePointer('/spec/replicas'));
    removeOwnership(object, parsePointer('/spec/template/spec/containers/0/image'));
    expect(object.metadata.managedFields).toEqual([
      {
        manager: 'kustomize-controller',
        fieldsV1: {
          'f:spec': {
            'f:template': {
              'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:name': {} } } },
            },
          },
        },
      },
      { manager: 'hpa', fieldsV1: { 'f:spec': {} } },
    ]);
  });
});

import { describe, expect, it } from '@jest/globals';
import { schemaFor } from '../src/patch/schema.js';
import { deleted, strategicMerge } from '../src/patch/strategic-merge.js';
import type { ValueMap } from '../src/value.js';
import { parseDocuments } from '../src/yaml/parse.js';

function yaml(text: string): ValueMap {
  return parseDocuments(text, 'test')[0] as ValueMap;
}

const pod = yaml(`
apiVersion: v1
kind: Pod
metadata:
  name: p
  finalizers: [a, b]
spec:
  containers:
  - name: a
    image: a:1
    env:
    - name: X
      value: "1"
  - name: b
    image: b:1
  tolerations:
  - key: k1
  volumes:
  - name: v1
    emptyDir: {}
`);

const podSchema = schemaFor('', 'Pod');

describe('strategic merge patch', () => {
  it.each([
    [
      'merges keyed list elements by name and puts patch elements first',
      'spec:\n  containers:\n  - name: b\n    image: b:2\n  - name: c\n    image: c:1\n',
      (result: ValueMap) => {
        expect(result.spec).toMatchObject({
          containers: [
            { name: 'b', image: 'b:2' },
            { name: 'c', image: 'c:1' },
            { name: 'a', image: 'a:1' },
          ],
        });
      },
    ],
    [
      'merges nested keyed lists (env by name) inside a matched container',
      'spec:\n  containers:\n  - name: a\n    env:\n    - name: Y\n      value: "2"\n',
      (result: ValueMap) => {
        const [first] = (result.spec as { containers: ValueMap[] }).containers;
        expect(first?.env).toEqual([
          { name: 'Y', value: '2' },
          { name: 'X', value: '1' },
        ]);
      },
    ],
    [
      'replaces lists without a merge key',
      'spec:\n  tolerations:\n  - key: k2\n',
      (result: ValueMap) => {
        expect((result.spec as ValueMap).tolerations).toEqual([{ key: 'k2' }]);
      },
    ],
    [
      'deletes a list element with $patch: delete',
      'spec:\n  containers:\n  - name: a\n    $patch: delete\n',
      (result: ValueMap) => {
        expect((result.spec as { containers: ValueMap[] }).containers).toEqual([
          { name: 'b', image: 'b:1' },
        ]);
      },
    ],
    [
      'replaces a whole list with a `$patch: replace` element',
      'spec:\n  volumes:\n  - $patch: replace\n  - name: v2\n',
      (result: ValueMap) => {
        expect((result.spec as ValueMap).volumes).toEqual([{ name: 'v2' }]);
      },
    ],
    [
      'replaces a map with $patch: replace',
      'spec:\n  containers:\n  - name: a\n    env:\n    - name: X\n      valueFrom:\n        $patch: replace\n        fieldRef:\n          fieldPath: x\n',
      (result: ValueMap) => {
        const [first] = (result.spec as { containers: ValueMap[] }).containers;
        expect(first?.env).toEqual([
          { name: 'X', value: '1', valueFrom: { fieldRef: { fieldPath: 'x' } } },
        ]);
      },
    ],
    [
      'deletes a field set to null',
      'spec:\n  tolerations: null\n',
      (result: ValueMap) => {
        expect('tolerations' in (result.spec as ValueMap)).toBe(false);
      },
    ],
    [
      'merges finalizers as a set, patch values first',
      'metadata:\n  finalizers: [c, a]\n',
      (result: ValueMap) => {
        expect((result.metadata as ValueMap).finalizers).toEqual(['c', 'a', 'b']);
      },
    ],
  ])('%s', (_name, patch, check) => {
    const result = strategicMerge(pod, yaml(patch), podSchema);
    if (result === deleted) throw new Error('unexpected delete');
    check(result);
  });

  it('returns the delete marker for a top-level $patch: delete', () => {
    expect(strategicMerge(pod, yaml('$patch: delete\n'), podSchema)).toBe(deleted);
  });

  it('leaves the original untouched', () => {
    const before = JSON.stringify(pod);
    strategicMerge(pod, yaml('spec:\n  containers:\n  - name: a\n    image: z\n'), podSchema);
    expect(JSON.stringify(pod)).toBe(before);
  });

  it('replaces lists of custom resources (JSON merge patch)', () => {
    const widget = yaml('spec:\n  items:\n  - name: a\n  - name: b\n  keep: 1\n');
    const result = strategicMerge(widget, yaml('spec:\n  items:\n  - name: c\n'), undefined);
    expect(result).toEqual({ spec: { items: [{ name: 'c' }], keep: 1 } });
  });

  it.each([
    ['$setElementOrder/containers', 'spec:\n  $setElementOrder/containers:\n  - name: b\n'],
    ['$retainKeys', 'spec:\n  $retainKeys: [containers]\n'],
    ['$deleteFromPrimitiveList/finalizers', 'spec:\n  $deleteFromPrimitiveList/finalizers: [a]\n'],
  ])('keeps %s as an ordinary field, as kustomize does', (key, patch) => {
    const result = strategicMerge(pod, yaml(patch), podSchema);
    if (result === deleted) throw new Error('unexpected delete');
    expect(key in (result.spec as ValueMap)).toBe(true);
  });

  const podWith = (ports: string) =>
    yaml(
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    ports:\n${ports}`,
    );
  const portsOf = (result: ValueMap | typeof deleted) => {
    if (result === deleted) throw new Error('unexpected delete');
    const [container] = (result.spec as { containers: ValueMap[] }).containers;
    return container?.ports;
  };

  it.each([
    [
      'keys ports by port and protocol: another protocol is another port, put first',
      '    - containerPort: 80\n      protocol: TCP\n',
      '    - containerPort: 80\n      protocol: UDP\n',
      [
        { containerPort: 80, protocol: 'UDP' },
        { containerPort: 80, protocol: 'TCP' },
      ],
    ],
    [
      'does not default the protocol: a patch port without one names the TCP port and is ignored',
      '    - containerPort: 80\n      protocol: TCP\n      name: web\n',
      '    - containerPort: 80\n      name: http\n',
      [{ containerPort: 80, protocol: 'TCP', name: 'web' }],
    ],
    [
      'moves original ports behind new ones once a protocol is set anywhere in the list',
      '    - containerPort: 80\n      protocol: TCP\n    - containerPort: 81\n',
      '    - containerPort: 82\n',
      [{ containerPort: 82 }, { containerPort: 80, protocol: 'TCP' }, { containerPort: 81 }],
    ],
  ])('%s', (_name, original, patch, want) => {
    const result = strategicMerge(
      podWith(original),
      yaml(`spec:\n  containers:\n  - name: a\n    ports:\n${patch}`),
      podSchema,
    );
    expect(portsOf(result)).toEqual(want);
  });

  it('collapses duplicate keys of lists the patch does not name, keeping the last', () => {
    const original = yaml(
      'spec:\n  containers:\n  - name: a\n    env:\n    - name: X\n      value: "1"\n    - name: X\n      value: "2"\n',
    );
    const result = strategicMerge(original, yaml('spec:\n  hostname: h\n'), podSchema);
    if (result === deleted) throw new Error('unexpected delete');
    const [container] = (result.spec as { containers: ValueMap[] }).containers;
    expect(container?.env).toEqual([{ name: 'X', value: '2' }]);
  });

  it('keeps an existing element marked $patch: replace as it was, and adds a new one', () => {
    const patch =
      'spec:\n  containers:\n  - name: a\n    $patch: replace\n    image: x\n  - name: c\n    $patch: replace\n    image: c\n';
    const result = strategicMerge(pod, yaml(patch), podSchema);
    if (result === deleted) throw new Error('unexpected delete');
    const containers = (result.spec as { containers: ValueMap[] }).containers;
    expect(containers.map((container) => [container.name, container.image])).toEqual([
      ['a', 'a:1'],
      ['c', 'c'],
      ['b', 'b:1'],
    ]);
  });
});

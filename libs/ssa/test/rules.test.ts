// Pure rules of the manager, on fixtures: classification, stages, annotations, immutable
// errors, prune rules, conflict field paths and the unified diff.
import { describe, expect, it } from '@jest/globals';
import {
  Action,
  changeSetEntry,
  entriesWith,
  summarizeChangeSet,
  unionFields,
  applyStages,
  ApplyPolicy,
  immutableFields,
  keepReason,
  policyOf,
  sameObject,
  unifiedDiff,
} from '../src/index.js';
import { removeFieldPath } from '../src/fieldpath.js';
import { ApiError, type Manifest } from '@tide/kube';

const cm = (
  extra: Record<string, unknown> = {},
  metadata: Record<string, unknown> = {},
): Manifest => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'n', ...metadata },
  data: { a: '1' },
  ...extra,
});

describe('classification: sameObject ignores server noise only', () => {
  const live = cm(
    { status: { x: 1 } },
    {
      resourceVersion: '10',
      generation: 3,
      uid: 'u1',
      creationTimestamp: 't',
      managedFields: [
        {
          manager: 'm',
          operation: 'Apply',
          time: '2026-01-01T00:00:00Z',
          fieldsV1: { 'f:data': {} },
        },
      ],
    },
  );
  it.each([
    [
      'a newer resourceVersion and generation',
      cm(
        {},
        {
          resourceVersion: '11',
          generation: 4,
          uid: 'u1',
          creationTimestamp: 't',
          managedFields: [
            {
              manager: 'm',
              operation: 'Apply',
              time: '2026-02-02T00:00:00Z',
              fieldsV1: { 'f:data': {} },
            },
          ],
        },
      ),
      true,
    ],
    [
      'a different status',
      cm(
        { status: { x: 2 } },
        { managedFields: [{ manager: 'm', operation: 'Apply', fieldsV1: { 'f:data': {} } }] },
      ),
      true,
    ],
    [
      'a changed value',
      cm(
        { data: { a: '2' } },
        { managedFields: [{ manager: 'm', operation: 'Apply', fieldsV1: { 'f:data': {} } }] },
      ),
      false,
    ],
    [
      'a new label',
      cm(
        {},
        {
          labels: { x: 'y' },
          managedFields: [{ manager: 'm', operation: 'Apply', fieldsV1: { 'f:data': {} } }],
        },
      ),
      false,
    ],
    [
      'a change of field owner',
      cm(
        {},
        { managedFields: [{ manager: 'other', operation: 'Apply', fieldsV1: { 'f:data': {} } }] },
      ),
      false,
    ],
  ])('%s → same: %s', (_label, candidate, same) => {
    expect(sameObject(live, candidate)).toBe(same);
  });
});

describe('applyStages', () => {
  it('puts definitions first, class kinds second, the rest last, keeping input order', () => {
    const make = (apiVersion: string, kind: string, name: string): Manifest => ({
      apiVersion,
      kind,
      metadata: { name },
    });
    const objects = [
      make('v1', 'ConfigMap', 'cm'),
      make('example.com/v1', 'Widget', 'w'),
      make('networking.k8s.io/v1', 'IngressClass', 'nginx'),
      make('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com'),
      make('v1', 'Namespace', 'apps'),
      make('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader'),
      make('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'reader'),
      make('storage.k8s.io/v1', 'StorageClass', 'fast'),
    ];
    expect(applyStages(objects).map((stage) => stage.map((o) => o.metadata.name))).toEqual([
      ['widgets.example.com', 'apps', 'reader'],
      ['nginx', 'fast'],
      ['cm', 'w', 'reader'],
    ]);
  });
});

describe('policyOf', () => {
  it.each([
    [undefined, ApplyPolicy.Override],
    ['Override', ApplyPolicy.Override],
    ['merge', ApplyPolicy.Merge],
    ['IfNotPresent', ApplyPolicy.IfNotPresent],
    ['Ignore', ApplyPolicy.Ignore],
  ])('annotation %s → %s', (value, policy) => {
    const annotations = value === undefined ? {} : { 'kustomize.toolkit.fluxcd.io/ssa': value };
    expect(policyOf(cm({}, { annotations }))).toBe(policy);
  });
  it('rejects other values, naming the object', () => {
    expect(() =>
      policyOf(cm({}, { annotations: { 'kustomize.toolkit.fluxcd.io/ssa': 'Always' } })),
    ).toThrow('ConfigMap/n/c');
  });
});

describe('immutableFields', () => {
  const invalid = (causes: { field: string; message: string }[]) =>
    new ApiError(422, 'Invalid', 'invalid', {
      subject: 'X/n/x',
      serverMessage: 'invalid',
      causes,
    });
  it.each([
    [
      'field is immutable',
      [{ field: 'spec.selector', message: 'Invalid value: {}: field is immutable' }],
      ['spec.selector'],
    ],
    [
      'may not change once set',
      [{ field: 'spec.clusterIPs[0]', message: 'may not change once set' }],
      ['spec.clusterIPs[0]'],
    ],
    [
      'mixed with another problem',
      [
        { field: 'spec.selector', message: 'field is immutable' },
        { field: 'spec.template.spec.containers', message: 'Required value' },
      ],
      undefined,
    ],
    [
      'no immutable cause',
      [{ field: 'spec.replicas', message: 'must be greater than or equal to 0' }],
      undefined,
    ],
  ])('%s → %o', (_label, causes, fields) => {
    expect(immutableFields(invalid(causes))).toEqual(fields);
  });
  it('ignores errors other than Invalid', () => {
    expect(
      immutableFields(
        new ApiError(409, 'Conflict', 'm', { subject: 's', serverMessage: 'immutable' }),
      ),
    ).toBeUndefined();
    expect(immutableFields(new Error('field is immutable'))).toBeUndefined();
  });
});

describe('keepReason (prune rules)', () => {
  const owner = {
    'kustomize.toolkit.fluxcd.io/name': 'apps',
    'kustomize.toolkit.fluxcd.io/namespace': 'flux',
  };
  it.each([
    ['owned', { labels: owner }, undefined],
    [
      'prune disabled',
      { labels: owner, annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } },
      'prune: disabled',
    ],
    [
      'reconcile disabled',
      { labels: owner, annotations: { 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' } },
      'reconcile: disabled',
    ],
    ['no owner labels', {}, 'not owned'],
    [
      'another owner',
      { labels: { ...owner, 'kustomize.toolkit.fluxcd.io/name': 'other' } },
      'kustomize.toolkit.fluxcd.io/name=apps',
    ],
  ])('%s → %s', (_label, metadata, reason) => {
    const found = keepReason(cm({}, metadata), owner);
    if (reason === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(reason);
  });
});

describe('removeFieldPath (conflict paths from the API server)', () => {
  const deployment = () => ({
    metadata: { labels: { app: 'web', tier: 'front' } },
    spec: {
      replicas: 3,
      template: {
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx',
              ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }],
            },
            { name: 'side', image: 'busybox' },
          ],
        },
      },
      finalizers: ['a', 'b'],
    },
  });
  it.each([
    ['.spec.replicas', (d: ReturnType<typeof deployment>) => !('replicas' in d.spec)],
    ['.metadata.labels.tier', (d: ReturnType<typeof deployment>) => !('tier' in d.metadata.labels)],
    [
      '.spec.template.spec.containers[name="web"].image',
      (d: ReturnType<typeof deployment>) =>
        !('image' in (d.spec.template.spec.containers[0] ?? {})),
    ],
    [
      '.spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"].name',
      (d: ReturnType<typeof deployment>) =>
        !('name' in (d.spec.template.spec.containers[0]?.ports?.[0] ?? {})),
    ],
    [
      '.spec.template.spec.containers[name="side"]',
      (d: ReturnType<typeof deployment>) => d.spec.template.spec.containers.length === 1,
    ],
    [
      '.spec.finalizers[="a"]',
      (d: ReturnType<typeof deployment>) => d.spec.finalizers.join() === 'b',
    ],
    ['.spec.finalizers[1]', (d: ReturnType<typeof deployment>) => d.spec.finalizers.join() === 'a'],
  ])('removes %s', (path, check) => {
    const d = deployment();
    expect(removeFieldPath(d, path)).toBe(true);
    expect(check(d)).toBe(true);
  });
  it('reports a path that leads nowhere', () => {
    expect(removeFieldPath(deployment(), '.spec.template.spec.containers[name="nope"].image')).toBe(
      false,
    );
    expect(removeFieldPath(deployment(), '.status.x')).toBe(false);
  });
});

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', { before: 'x', after: 'y' })).toBe('');
  });
  it('prints hunks with three lines of context and correct ranges', () => {
    const before =
      ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'].join('\n') + '\n';
    const after =
      ['1', '2', '3', '4', 'five', '6', '7', '8', '9', '10', '11', '12', '13'].join('\n') + '\n';
    expect(unifiedDiff(before, after, { before: 'a/x', after: 'b/x' })).toBe(
      [
        '--- a/x',
        '+++ b/x',
        '@@ -2,7 +2,7 @@',
        ' 2',
        ' 3',
        ' 4',
        '-5',
        '+five',
        ' 6',
        ' 7',
        ' 8',
        '@@ -10,3 +10,4 @@',
        ' 10',
        ' 11',
        ' 12',
        '+13',
        '',
      ].join('\n'),
    );
  });
  it('diffs against nothing for a new object', () => {
    expect(unifiedDiff('', 'a\nb\n', { before: 'a/x', after: 'b/x' })).toBe(
      '--- a/x\n+++ b/x\n@@ -0,0 +1,2 @@\n+a\n+b\n',
    );
  });
});

describe('unionFields (taking over another manager’s fields)', () => {
  it('merges FieldsV1 trees, keeping every field of both', () => {
    const ours = { 'f:data': { 'f:a': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } };
    const theirs = { 'f:data': { 'f:old': {} }, 'f:metadata': { 'f:annotations': { '.': {} } } };
    expect(unionFields(ours, theirs)).toEqual({
      'f:data': { 'f:a': {}, 'f:old': {} },
      'f:metadata': { 'f:labels': { 'f:app': {} }, 'f:annotations': { '.': {} } },
    });
    expect(unionFields(undefined, theirs)).toEqual(theirs);
    expect(ours['f:data']).toEqual({ 'f:a': {} });
  });
});

describe('change sets', () => {
  const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'n', name });
  const changeSet = {
    entries: [
      changeSetEntry(ref('a'), Action.Created),
      changeSetEntry(ref('b'), Action.Unchanged),
      changeSetEntry(ref('c'), Action.Configured),
      changeSetEntry(ref('d'), Action.Unchanged),
      changeSetEntry(ref('e'), Action.Skipped, 'kustomize.toolkit.fluxcd.io/ssa: Ignore'),
    ],
  };
  it('summarizes counts in a fixed order', () => {
    expect(summarizeChangeSet(changeSet)).toBe('1 created, 1 configured, 2 unchanged, 1 skipped');
    expect(summarizeChangeSet({ entries: [] })).toBe('no objects');
  });
  it('names each entry in one line and filters by action', () => {
    expect(changeSet.entries[0]?.summary).toBe('ConfigMap/n/a created');
    expect(changeSet.entries[4]).toMatchObject({
      summary: 'ConfigMap/n/e skipped',
      reason: expect.stringContaining('Ignore'),
    });
    expect(entriesWith(changeSet, Action.Created, Action.Configured).map((e) => e.subject)).toEqual(
      ['ConfigMap/n/a', 'ConfigMap/n/c'],
    );
  });
});

import { describe, expect, it } from '@jest/globals';
import type { KustomizationSpec } from '@tide/api';
import { compileHealthCheckExprs } from '../src/health-exprs.js';
import type { Manifest } from '@tide/kube';

const spec = (exprs: KustomizationSpec['healthCheckExprs']): KustomizationSpec => ({
  interval: '1m',
  prune: true,
  sourceRef: { kind: 'GitRepository', name: 'app' },
  ...(exprs === undefined ? {} : { healthCheckExprs: exprs }),
});

const rules = compileHealthCheckExprs(
  spec([
    {
      apiVersion: 'example.com/v1alpha1',
      kind: 'Gadget',
      inProgress: "status.phase == 'Working'",
      failed: "status.phase == 'Broken' || status.phase == 'Working'",
      current: "status.phase in ['Ready', 'Broken', 'Working']",
    },
  ]),
);

const gadget = (status: Record<string, unknown> | undefined, generation = 1): Manifest => ({
  apiVersion: 'example.com/v2',
  kind: 'Gadget',
  metadata: { name: 'g', namespace: 'apps', generation },
  ...(status === undefined ? {} : { status }),
});

describe('compileHealthCheckExprs', () => {
  it.each([
    ['inProgress wins over failed and current', { phase: 'Working' }, 'InProgress'],
    ['failed wins over current', { phase: 'Broken' }, 'Failed'],
    ['current', { phase: 'Ready' }, 'Current'],
    ['none true', { phase: 'Pending' }, 'InProgress'],
    ['a generation not observed yet', { phase: 'Ready', observedGeneration: 0 }, 'InProgress'],
    ['a field the expression reads is missing', undefined, 'InProgress'],
  ])('%s', (_label, status, want) => {
    expect(rules?.(gadget(status))?.status).toBe(want);
  });

  it('says which expression decided, or why none could', () => {
    expect(rules?.(gadget({ phase: 'Broken' }))?.message).toBe('healthCheckExprs failed is true');
    expect(rules?.(gadget(undefined))?.message).toBe(
      'healthCheckExprs inProgress: evaluating CEL expression "status.phase == \'Working\'": unknown variable: status (at column 1)',
    );
  });

  it('matches group and kind, any version; other kinds are left to kstatus', () => {
    expect(rules?.({ ...gadget({ phase: 'Ready' }), apiVersion: 'other.com/v1' })).toBeUndefined();
    expect(rules?.({ ...gadget({ phase: 'Ready' }), kind: 'Widget' })).toBeUndefined();
  });

  it('is undefined without expressions', () => {
    expect(compileHealthCheckExprs(spec(undefined))).toBeUndefined();
  });

  it('names the field and expression of one that does not compile', () => {
    expect(() =>
      compileHealthCheckExprs(
        spec([
          { apiVersion: 'v1', kind: 'Pod', current: 'true', failed: "status.phase + 1 == 'x'" },
        ]),
      ),
    ).toThrow(
      expect.objectContaining({
        name: 'InvalidSpecError',
        reason: 'InvalidCELExpression',
        message:
          'spec.healthCheckExprs[0].failed (Pod): compiling CEL expression "status.phase + 1 == \'x\'": no such overload: int == string (at column 1)',
      }),
    );
  });

  it('an entry without kind judges every kind of its group; an entry naming the kind wins', () => {
    const mixed = compileHealthCheckExprs(
      spec([
        { apiVersion: 'example.com/v1', current: "status.phase == 'Ready'" },
        { apiVersion: 'example.com/v1', kind: 'Gadget', current: "status.phase == 'Sealed'" },
      ]),
    );
    const widget = { ...gadget({ phase: 'Ready' }), kind: 'Widget' };
    expect(mixed?.(widget)?.status).toBe('Current');
    expect(mixed?.(gadget({ phase: 'Ready' }))?.status).toBe('InProgress');
    expect(mixed?.(gadget({ phase: 'Sealed' }))?.status).toBe('Current');
    expect(mixed?.({ ...widget, apiVersion: 'other.com/v1' })).toBeUndefined();
  });

  it.each([
    [
      'two entries for one kind',
      [
        { apiVersion: 'example.com/v1', kind: 'Gadget', current: 'true' },
        { apiVersion: 'example.com/v2', kind: 'Gadget', current: 'false' },
      ],
      "spec.healthCheckExprs[1]: a second entry for Gadget in group 'example.com' (the first is [0])",
    ],
    [
      'two group-wide entries for one group',
      [
        { apiVersion: 'example.com/v1', current: 'true' },
        { apiVersion: 'example.com/v1beta1', current: 'false' },
      ],
      "spec.healthCheckExprs[1]: a second entry for every kind of group 'example.com' (the first is [0])",
    ],
  ])('refuses %s, as Flux does', (_what, entries, message) => {
    expect(() => compileHealthCheckExprs(spec(entries))).toThrow(message);
  });
});

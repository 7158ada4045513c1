import { describe, expect, it } from '@jest/globals';
import { CelError, CelErrorKind, compile } from '../src/index.js';

/** A SealedSecret-like custom resource as the API server returns it. */
const sealedSecret = {
  apiVersion: 'bitnami.com/v1alpha1',
  kind: 'SealedSecret',
  metadata: { name: 'db', namespace: 'apps', generation: 2, labels: { 'app/version': 'v1.2.3' } },
  spec: { encryptedData: { password: 'AgB…' } },
  status: {
    observedGeneration: 2,
    replicas: 3,
    ratio: 0.75,
    conditions: [
      { type: 'Synced', status: 'True', reason: 'Unsealed' },
      { type: 'Ready', status: 'False', reason: 'Waiting' },
    ],
  },
};

const dependency = {
  metadata: { name: 'backend', generation: 4, labels: { 'app/version': 'v1.2.3' } },
  status: { observedGeneration: 4, conditions: [{ type: 'Ready', status: 'True' }] },
};

describe('compile and evaluateBoolean over an object (health check expressions)', () => {
  it.each([
    // Flux's documented SealedSecret expressions.
    ["status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'True')", true],
    ["status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'False')", false],
    // Cheatsheet idioms: exists, has(), optional field access.
    ["status.conditions.exists(e, e.type == 'Ready' && e.status == 'True')", false],
    ['has(status.phase)', false],
    ['has(status.conditions) && size(status.conditions) == 2', true],
    ["status.?phase.orValue('Pending') == 'Pending'", true],
    ["status.?conditions.orValue([]).exists(c, c.type == 'Synced')", true],
    // JSON whole numbers are CEL ints, others doubles; uint by conversion.
    ['metadata.generation == status.observedGeneration', true],
    ['status.replicas + 1 == 4', true],
    ['uint(status.replicas) == 3u', true],
    ['status.ratio > 0.5 && status.ratio < 1.0', true],
    // String functions.
    ["metadata.labels['app/version'].startsWith('v1.')", true],
    ["metadata.name.matches('^d[a-z]+$') && 'DB'.lowerAscii() == metadata.name", true],
    ["kind in ['SealedSecret', 'Secret']", true],
  ])('%s → %s', (expression, want) => {
    expect(compile(expression).evaluateBoolean(sealedSecret)).toBe(want);
  });

  it('reads a missing field as an evaluation error naming the expression', () => {
    const program = compile("status.phase == 'Ready'");
    expect(() => program.evaluateBoolean(sealedSecret)).toThrow(
      expect.objectContaining({
        kind: CelErrorKind.Evaluate,
        message:
          'evaluating CEL expression "status.phase == \'Ready\'": no such key: phase (at column 8)',
      }),
    );
    expect(() => program.evaluateBoolean(sealedSecret)).toThrow(CelError);
  });

  it('rejects a result that is not a bool when evaluated', () => {
    const program = compile('status.conditions[0].type');
    expect(() => program.evaluateBoolean(sealedSecret)).toThrow(
      'evaluating CEL expression "status.conditions[0].type": the result is string "Synced", not bool',
    );
  });
});

describe('compile with declared variables (dependency readyExpr)', () => {
  const readyExpr =
    "dep.metadata.labels['app/version'] == self.metadata.labels['app/version'] && " +
    "dep.status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True') && " +
    'dep.metadata.generation == dep.status.observedGeneration';

  it.each([
    [{ self: sealedSecret, dep: dependency }, true],
    [
      {
        self: sealedSecret,
        dep: {
          ...dependency,
          metadata: { ...dependency.metadata, labels: { 'app/version': 'v1' } },
        },
      },
      false,
    ],
    [
      {
        self: sealedSecret,
        dep: { ...dependency, status: { ...dependency.status, observedGeneration: 3 } },
      },
      false,
    ],
  ])('Flux’s lockstep example %#', (variables, want) => {
    expect(compile(readyExpr, { variables: ['self', 'dep'] }).evaluateBoolean(variables)).toBe(
      want,
    );
  });

  it('has() on a missing field of dep is false, not an error', () => {
    const program = compile('has(dep.data)', { variables: ['self', 'dep'] });
    expect(program.evaluateBoolean({ self: {}, dep: dependency })).toBe(false);
  });
});

describe('compile errors', () => {
  it.each([
    ['status.conditions.', undefined, /^compiling CEL expression "status\.conditions\.": /],
    [
      'deps.metadata.generation == 1',
      ['self', 'dep'],
      /^compiling CEL expression "deps\.metadata\.generation == 1": unknown variable: deps/,
    ],
    ['1 + 2', undefined, /: the result is int, not bool$/],
    ["'a' + 1 == 'a1'", undefined, /: no such overload: string \+ int/],
    ['dep + 1 == 2', ['dep'], /: no such overload: map<dyn, dyn> \+ int/],
  ])('%s', (expression, variables, message) => {
    const options = variables === undefined ? {} : { variables };
    expect(() => compile(expression, options)).toThrow(message);
    expect(() => compile(expression, options)).toThrow(
      expect.objectContaining({ kind: CelErrorKind.Compile, expression }),
    );
  });
});

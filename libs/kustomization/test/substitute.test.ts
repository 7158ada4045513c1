import { describe, expect, it } from '@jest/globals';
import type { ValueMap } from '@tide/kustomize';
import {
  collectVariables,
  substitute,
  substituteResources,
  SubstitutionError,
} from '../src/index.js';

const vars = new Map([
  ['cluster', 'prod'],
  ['replicas', '3'],
  ['empty', ''],
  ['tricky', "$& $1 \\1 $' $` $$"],
]);

describe('substitute', () => {
  it.each([
    ['plain variable', 'name: ${cluster}', 'name: prod'],
    ['several in a line', '${cluster}-${replicas}', 'prod-3'],
    ['default when undefined', 'x: ${missing:=fallback}', 'x: fallback'],
    ['default when empty', 'x: ${empty:=fallback}', 'x: fallback'],
    ['value beats default', 'x: ${cluster:=fallback}', 'x: prod'],
    ['default with spaces and colons', 'x: ${missing:=a b:c}', 'x: a b:c'],
    ['escape leaves ${var}', 'x: $${cluster}', 'x: ${cluster}'],
    ['escape then variable', '$${a}${cluster}', '${a}prod'],
    ['undefined becomes empty', 'x: "${missing}"', 'x: ""'],
    ['regex replacement patterns in values survive', 'v: ${tricky}', "v: $& $1 \\1 $' $` $$"],
    ['regex replacement patterns in content survive', 'a $& b \\1 $1 $', 'a $& b \\1 $1 $'],
    ['lone dollar and unclosed brace stay', 'cost: $5 ${cluster', 'cost: $5 ${cluster'],
    // envsubst reads `1` as a name (never a defined one) and `${x:-y}` as a default; what it
    // cannot parse (`${a.b}`) Flux refuses and Tide leaves as written.
    ['envsubst forms and unparseable text', 'echo ${1} ${x:-y} ${a.b}', 'echo  y ${a.b}'],
    ['$$ is one dollar, as in envsubst', 'cost: $$5 and $$$', 'cost: $5 and $$'],
    ['underscore and digits in names', '${_a1}', ''],
    ['no variables at all', 'kind: ConfigMap', 'kind: ConfigMap'],
  ])('%s', (_what, input, expected) => {
    expect(substitute(input, vars)).toBe(expected);
  });

  it('strict mode names the undefined variable', () => {
    expect(() => substitute('x: ${nope}', vars, { strict: true })).toThrow(
      new SubstitutionError("variable 'nope' is not defined"),
    );
    expect(substitute('x: ${nope:=d}', vars, { strict: true })).toBe('x: d');
  });
});

describe('substituteResources', () => {
  const configMap = (annotations: Record<string, string> = {}): ValueMap => ({
    apiVersion: 'v1',
    kind: 'Deployment',
    metadata: { name: 'web-${cluster}', annotations },
    spec: { replicas: '${replicas}' },
  });

  it('types substituted scalars as YAML does (a number field gets a number)', () => {
    const [out] = substituteResources([configMap()], vars);
    expect(out).toMatchObject({ metadata: { name: 'web-prod' }, spec: { replicas: 3 } });
  });

  it('leaves objects annotated substitute: disabled alone', () => {
    const opted = configMap({ 'kustomize.toolkit.fluxcd.io/substitute': 'disabled' });
    expect(substituteResources([opted], vars)).toEqual([opted]);
  });

  it('names the object in strict-mode errors', () => {
    expect(() =>
      substituteResources([configMap()], new Map([['cluster', 'x']]), { strict: true }),
    ).toThrow("Deployment/web-${cluster}: variable 'replicas' is not defined");
  });
});

describe('collectVariables', () => {
  it('reads substituteFrom in order, then substitute, each overriding the earlier', async () => {
    const data: Record<string, Record<string, string>> = {
      first: { a: '1', b: '1' },
      second: { b: '2', c: '2' },
    };
    const variables = await collectVariables(
      {
        substitute: { c: '3' },
        substituteFrom: [
          { kind: 'ConfigMap', name: 'first' },
          { kind: 'Secret', name: 'second' },
          { kind: 'ConfigMap', name: 'absent', optional: true },
        ],
      },
      (reference) => Promise.resolve(data[reference.name]),
    );
    expect(Object.fromEntries(variables)).toEqual({ a: '1', b: '2', c: '3' });
  });

  it('refuses a missing source that is not optional, and invalid names', async () => {
    const none = () => Promise.resolve(undefined);
    await expect(
      collectVariables({ substituteFrom: [{ kind: 'Secret', name: 'gone' }] }, none),
    ).rejects.toThrow("substituteFrom: Secret 'gone' not found");
    await expect(collectVariables({ substitute: { 'bad-name': 'x' } }, none)).rejects.toThrow(
      "variable name 'bad-name' is invalid",
    );
  });
});

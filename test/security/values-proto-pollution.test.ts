import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compile } from '@tide/cel';
import { mergeValuesFiles } from '@tide/helm';
import { build } from '@tide/kustomize';
import { makeTempDir, type TempDir } from '@tide/harness';

/**
 * Prototype pollution: keys a tenant writes (`__proto__`, `constructor`, `prototype`) in values
 * files, kustomizations, resources, patches and CEL inputs are data. After each case a fresh
 * object still has none of the properties the input tried to plant on Object.prototype.
 */

const planted = ['suspend', 'passCredentials', 'polluted'] as const;

function prototypeIsClean(): void {
  const fresh: Record<string, unknown> = {};
  for (const name of planted) expect(fresh[name]).toBeUndefined();
}

afterEach(() => {
  // A failing case must not poison the cases after it.
  for (const name of planted) Reflect.deleteProperty(Object.prototype, name);
});

describe('prototype pollution', () => {
  let temp: TempDir;
  beforeAll(async () => {
    temp = await makeTempDir('security-proto');
  });
  afterAll(async () => {
    await temp.remove();
  });

  async function kustomization(name: string, files: Record<string, string>): Promise<string> {
    const dir = join(temp.path, name);
    await mkdir(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
    return dir;
  }

  it('a HelmChart values file with __proto__ and constructor keys merges them as keys', () => {
    const merged = mergeValuesFiles([
      { path: 'values.yaml', text: 'replicas: 1\n' },
      {
        path: 'values-tenant.yaml',
        text: [
          '__proto__:',
          '  suspend: true',
          '  passCredentials: true',
          'constructor:',
          '  prototype:',
          '    polluted: true',
          '',
        ].join('\n'),
      },
    ]);
    prototypeIsClean();
    // As Helm (Go) would, the keys are kept as ordinary keys of the values.
    expect(merged).toContain('__proto__:\n  suspend: true\n  passCredentials: true\n');
    expect(merged).toContain('constructor:\n  prototype:\n    polluted: true\n');
  });

  it('a kustomization and a resource named by Object.prototype members build their keys as data', async () => {
    // A resource of kind `__proto__` used to find Object.prototype as its merge schema, and a
    // patch then crashed with a TypeError on the schema's own `__proto__` (null).
    const dir = await kustomization('kustomization-keys', {
      'kustomization.yaml': [
        'resources: [odd.yaml]',
        'commonAnnotations:',
        '  __proto__: "true"',
        'patches:',
        '  - patch: |',
        '      apiVersion: v1',
        '      kind: __proto__',
        '      metadata: {name: odd}',
        '      toString: {b: 2}',
        '',
      ].join('\n'),
      'odd.yaml': [
        'apiVersion: v1',
        'kind: __proto__',
        'metadata:',
        '  name: odd',
        '__proto__:',
        '  polluted: true',
        'constructor: kept',
        'toString:',
        '  a: 1',
        '',
      ].join('\n'),
    });
    const { yaml } = build(dir);
    prototypeIsClean();
    expect(yaml).toContain('annotations:\n    __proto__: "true"\n');
    expect(yaml).toContain('__proto__:\n  polluted: true\n');
    expect(yaml).toContain('constructor: kept\n');
    expect(yaml).toContain('toString:\n  a: 1\n  b: 2\n');
  });

  it('a JSON patch copy followed by a replacement through __proto__ writes a key, not the prototype', async () => {
    // fast-json-patch clones a `copy` through JSON.parse, giving the copy Object.prototype;
    // a replacement path through `__proto__` then reached Object.prototype itself.
    const dir = await kustomization('patch-replacement', {
      'kustomization.yaml': [
        'resources: [cm.yaml]',
        'patches:',
        '  - target: {kind: ConfigMap}',
        '    patch: \'[{"op": "copy", "from": "/data", "path": "/spare"}]\'',
        'replacements:',
        '  - source: {kind: ConfigMap, name: cm, fieldPath: data.a}',
        '    targets:',
        '      - select: {kind: ConfigMap}',
        '        fieldPaths: [spare.__proto__.polluted]',
        '        options: {create: true}',
        '',
      ].join('\n'),
      'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: "yes"\n',
    });
    const { yaml } = build(dir);
    prototypeIsClean();
    expect(yaml).toContain('spare:\n  __proto__:\n    polluted: "yes"\n  a: "yes"\n');
  });

  it('CEL inputs with __proto__ and constructor keys are map keys', () => {
    const self = JSON.parse(
      '{"metadata": {"name": "app", "constructor": "kept"}, "__proto__": {"polluted": true}}',
    ) as Record<string, unknown>;
    const program = compile(
      "self.metadata.constructor == 'kept' && self.__proto__.polluted == true",
      { variables: ['self'] },
    );
    expect(program.evaluateBoolean({ self })).toBe(true);
    prototypeIsClean();
    // Without declared variables every identifier is a field of the object: `constructor`
    // is an unknown one, not Object.prototype.constructor.
    expect(() => compile('constructor == constructor').evaluateBoolean({ status: {} })).toThrow(
      /unknown variable/i,
    );
  });
});

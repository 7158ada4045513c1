// The support matrix against the CRDs as generated (crds/, read back from YAML): every leaf
// of every served version's spec is classified, every rule names a path that exists, value
// rules name values the schema allows, and unsupportedFields walks an object's fields.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '@tide/harness';
import {
  GitRepositoryGVK,
  UnservedKindError,
  crdFileName,
  fieldSupportCheck,
  isRefused,
  kindDefinitions,
  leavesOf,
  refusalMessage,
  ruleBase,
  supportMatrix,
  supportOf,
  unsupportedFields,
  type SchemaNode,
} from '../src/index.js';

interface CrdFile {
  spec: {
    names: { kind: string };
    versions: { name: string; schema: { openAPIV3Schema: SchemaNode } }[];
  };
}

/** Leaf path → schema node, for each served version of a kind, from its file in crds/. */
function generatedLeaves(file: string): Map<string, Map<string, SchemaNode>> {
  const crd = parse(readFileSync(join(repoRoot(), 'crds', file), 'utf8')) as CrdFile;
  const byVersion = new Map<string, Map<string, SchemaNode>>();
  for (const version of crd.spec.versions) {
    const spec = version.schema.openAPIV3Schema.properties?.spec;
    if (spec === undefined) throw new Error(`${file} ${version.name}: no spec schema`);
    byVersion.set(version.name, leavesOf(spec, 'spec'));
  }
  return byVersion;
}

describe.each(kindDefinitions.map((d) => [d.kind, d] as const))('%s', (kind, definition) => {
  const versions = generatedLeaves(crdFileName(definition));
  const rules = supportMatrix[kind] ?? {};

  it('is in the matrix', () => {
    expect(Object.keys(rules).length).toBeGreaterThan(0);
  });

  it.each([...versions.keys()])('classifies every spec leaf of %s', (version) => {
    const leaves = [...(versions.get(version)?.keys() ?? [])];
    expect(leaves.length).toBeGreaterThan(0);
    const unclassified = leaves.filter((path) => supportOf(kind, path) === undefined);
    expect(unclassified).toEqual([]);
  });

  it('names only paths that exist in some served version', () => {
    const all = new Set([...versions.values()].flatMap((leaves) => [...leaves.keys()]));
    const missing = Object.keys(rules).filter((rule) => {
      const base = ruleBase(rule);
      if (rule.endsWith('.*'))
        return ![...all].some((p) => p.startsWith(`${base}.`) || p.startsWith(`${base}[]`));
      return !all.has(base);
    });
    expect(missing).toEqual([]);
  });

  it('names in value rules only values the schema accepts, on a leaf with its own rule', () => {
    const wrong: string[] = [];
    for (const rule of Object.keys(rules)) {
      const equals = rule.indexOf('=');
      if (equals === -1) continue;
      const path = rule.slice(0, equals);
      const value = rule.slice(equals + 1);
      for (const leaves of versions.values()) {
        const node = leaves.get(path);
        if (node === undefined) continue;
        const allowed =
          node.enum !== undefined
            ? node.enum.map(String).includes(value)
            : node.type === 'boolean'
              ? ['true', 'false'].includes(value)
              : true;
        if (!allowed) wrong.push(rule);
      }
      if (supportOf(kind, path) === undefined) wrong.push(`${rule} (no rule for ${path})`);
    }
    expect(wrong).toEqual([]);
  });

  it('gives a reason that says what to do for every refusal', () => {
    for (const support of Object.values(rules)) {
      if (isRefused(support)) expect(support.length).toBeGreaterThan('refused: '.length + 20);
    }
  });
});

describe('supportOf', () => {
  it.each([
    ['GitRepository', 'spec.provider', 'azure', 'refused'],
    ['GitRepository', 'spec.provider', 'generic', 'supported'],
    ['GitRepository', 'spec.recurseSubmodules', true, 'supported'],
    ['GitRepository', 'spec.proxySecretRef.name', 'proxy', 'supported'],
    ['GitRepository', 'spec.serviceAccountName', 'sa', 'refused'],
    ['GitRepository', 'spec.include[].repository.name', 'other', 'supported'],
    ['GitRepository', 'spec.verify.secretRef.name', 'keys', 'supported'],
    ['Kustomization', 'spec.sourceRef.kind', 'GitRepository', 'supported'],
    ['Kustomization', 'spec.sourceRef.kind', 'ExternalArtifact', 'refused'],
    ['Kustomization', 'spec.decryption.provider', 'sops', 'refused'],
    ['HelmChart', 'spec.sourceRef.kind', 'Bucket', 'refused'],
    ['HelmRelease', 'spec.values', { a: 1 }, 'refused'],
  ] as const)('%s %s=%j is %s', (kind, path, value, expected) => {
    const support = supportOf(kind, path, value);
    expect(support === undefined ? 'none' : isRefused(support) ? 'refused' : 'supported').toBe(
      expected,
    );
  });
});

describe('unsupportedFields', () => {
  it('lists each refused field the object sets, walking arrays of objects', () => {
    const refusals = unsupportedFields('GitRepository', 'source.toolkit.fluxcd.io/v1', {
      spec: {
        url: 'https://example.com/repo.git',
        interval: '1m',
        provider: 'azure',
        recurseSubmodules: true,
        sparseCheckout: ['apps/', 'infra/'],
        proxySecretRef: { name: 'proxy' },
        serviceAccountName: 'fetcher',
        include: [{ repository: { name: 'a' } }, { repository: { name: 'b' } }],
        verify: { mode: 'HEAD', secretRef: { name: 'keys' } },
      },
    });
    expect(refusals.map((r) => r.path)).toEqual(['spec.provider', 'spec.serviceAccountName']);
    const release = unsupportedFields('HelmRelease', 'helm.toolkit.fluxcd.io/v2', {
      spec: {
        interval: '1m',
        valuesFrom: [
          { kind: 'ConfigMap', name: 'a' },
          { kind: 'Secret', name: 'b', valuesKey: 'v' },
        ],
      },
    });
    expect(release.map((r) => r.path)).toEqual([
      'spec.interval',
      'spec.valuesFrom[].kind',
      'spec.valuesFrom[].name',
      'spec.valuesFrom[].valuesKey',
    ]);
  });

  it('refuses nothing for a plain object, an empty array or a default value', () => {
    expect(
      unsupportedFields('HelmRepository', 'source.toolkit.fluxcd.io/v1beta2', {
        spec: { url: 'https://charts.example.com', type: 'default', provider: 'generic' },
      }),
    ).toEqual([]);
    expect(
      unsupportedFields('GitRepository', 'source.toolkit.fluxcd.io/v1', {
        spec: { url: 'https://example.com/r.git', interval: '1m', sparseCheckout: [] },
      }),
    ).toEqual([]);
  });

  it('treats a map and a free-form value as one leaf each', () => {
    const refusals = unsupportedFields('HelmRelease', 'helm.toolkit.fluxcd.io/v2', {
      spec: { interval: '5m', values: { deep: { nested: [1, 2] } }, commonMetadata: {} },
    });
    expect(refusals.map((r) => r.path)).toEqual(['spec.interval', 'spec.values']);
    expect(refusals[0]?.reason).toMatch(/HelmRelease has no controller in Tide yet \(issue 19\)/);
  });

  it('refuses a field the schema does not know', () => {
    const refusals = unsupportedFields('Kustomization', 'kustomize.toolkit.fluxcd.io/v1', {
      spec: { interval: '5m', prune: true, sourceRef: { kind: 'GitRepository', name: 'r' }, x: 1 },
    });
    expect(refusals).toEqual([
      {
        path: 'spec.x',
        reason: 'not a field of kustomize.toolkit.fluxcd.io/v1 Kustomization; remove it',
      },
    ]);
  });

  it('throws a typed error for a kind or version Tide does not serve', () => {
    expect(() =>
      unsupportedFields('OCIRepository', 'source.toolkit.fluxcd.io/v1beta1', {}),
    ).toThrow(UnservedKindError);
  });
});

describe('fieldSupportCheck', () => {
  it("checks at the reconciler's kind and storage version, whatever the object carries", () => {
    const check = fieldSupportCheck(GitRepositoryGVK);
    expect(check({ spec: { url: 'https://example.com/r.git', interval: '1m' } })).toBeUndefined();
    expect(check({ spec: { url: 'https://example.com/r.git', serviceAccountName: 'sa' } })).toBe(
      'unsupported field set: spec.serviceAccountName: cloud workload identity is not supported; remove it and give credentials in spec.secretRef',
    );
  });
});

describe('refusalMessage', () => {
  it('names every path, grouping paths with one reason', () => {
    expect(
      refusalMessage([
        { path: 'spec.verify.mode', reason: 'no verify' },
        { path: 'spec.provider', reason: 'no provider' },
        { path: 'spec.verify.secretRef.name', reason: 'no verify' },
      ]),
    ).toBe(
      'unsupported fields set: spec.verify.mode, spec.verify.secretRef.name: no verify; spec.provider: no provider',
    );
  });
});

import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import Type from 'typebox';
import { repoRoot } from '@tide/harness';
import {
  GitRepositoryGVK,
  NonStructuralSchemaError,
  UnexpectedKindError,
  asKustomization,
  buildCrd,
  categories,
  categoriesOf,
  crdDrift,
  isGitRepository,
  kindDefinitions,
  renderCrd,
  servedKind,
  storageApiVersion,
  toStructural,
  type GitRepository,
  type JsonObject,
} from '../src/index.js';

describe('crds/', () => {
  it('is what `make crds` generates from libs/api', async () => {
    const drift = await crdDrift(join(repoRoot(), 'crds'));
    // On failure: run `make crds` and commit crds/.
    expect(drift).toEqual({ missing: [], changed: [], extra: [] });
  });

  it('renders the same bytes every time', () => {
    for (const definition of kindDefinitions) {
      expect(renderCrd(definition)).toBe(renderCrd(definition));
    }
  });
});

interface CrdVersion {
  name: string;
  storage: boolean;
  served: boolean;
  subresources: JsonObject;
  additionalPrinterColumns: { name: string }[];
  schema: { openAPIV3Schema: JsonObject };
}

describe.each(kindDefinitions.map((d) => [d.kind, d] as const))(
  'the %s CRD',
  (_kind, definition) => {
    const crd = buildCrd(definition) as unknown as {
      spec: { names: { shortNames: string[]; categories: string[] }; versions: CrdVersion[] };
    };

    it('stores the first version and serves every version with a status subresource', () => {
      const versions = crd.spec.versions;
      expect(versions.map((v) => v.name)).toEqual(definition.versions.map((v) => v.name));
      expect(versions.map((v) => v.storage)).toEqual(versions.map((_, i) => i === 0));
      for (const version of versions) {
        expect(version.served).toBe(true);
        expect(version.subresources).toEqual({ status: {} });
      }
    });

    it("has short names, Flux 2.9's categories plus tide, and the common printer columns", () => {
      expect(crd.spec.names.shortNames.length).toBeGreaterThan(0);
      expect(crd.spec.names.categories).toEqual(categoriesOf(definition));
      expect(crd.spec.names.categories).toEqual(expect.arrayContaining([...categories]));
      for (const version of crd.spec.versions) {
        const names = version.additionalPrinterColumns.map((c) => c.name);
        expect(names).toEqual(expect.arrayContaining(['Ready', 'Status', 'Age']));
        expect(names.length).toBeGreaterThan(3);
      }
    });

    it('carries structural schemas: no $ref, no additionalProperties beside properties', () => {
      for (const version of crd.spec.versions) {
        visit(version.schema.openAPIV3Schema, (node) => {
          expect(node).not.toHaveProperty('$ref');
          if ('properties' in node) expect(node).not.toHaveProperty('additionalProperties');
        });
      }
    });
  },
);

function visit(node: JsonObject, check: (node: JsonObject) => void): void {
  check(node);
  for (const value of Object.values(node)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) visit(value, check);
    if (Array.isArray(value)) {
      for (const item of value) {
        if (item !== null && typeof item === 'object' && !Array.isArray(item)) visit(item, check);
      }
    }
  }
}

describe('toStructural', () => {
  it.each([
    ['a TypeBox record (patternProperties)', Type.Record(Type.String(), Type.String())],
    ['a reference', Type.Object({ a: Type.Ref('Other') })],
    ['a node without a type', Type.Object({ a: Type.Unknown() })],
    ['a union (anyOf)', Type.Object({ a: Type.Union([Type.String(), Type.Number()]) })],
  ])('refuses %s', (_what, schema) => {
    expect(() => toStructural(schema)).toThrow(NonStructuralSchemaError);
  });

  it('drops additionalProperties: false and sorts required', () => {
    const schema = Type.Object(
      { b: Type.String(), a: Type.String() },
      { additionalProperties: false },
    );
    expect(toStructural(schema)).toEqual({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'string' } },
      required: ['a', 'b'],
    });
  });
});

describe('typed accessors', () => {
  const gitRepository: GitRepository = {
    apiVersion: GitRepositoryGVK.apiVersion,
    kind: 'GitRepository',
    metadata: { name: 'podinfo', namespace: 'default' },
    spec: { url: 'https://example.com/podinfo.git', interval: '1m', ref: { branch: 'main' } },
  };

  it('narrows an object of the storage version', () => {
    const value: unknown = JSON.parse(JSON.stringify(gitRepository));
    expect(isGitRepository(value)).toBe(true);
    if (isGitRepository(value)) expect(value.spec.ref?.branch).toBe('main');
  });

  it.each([
    ['an older version', { ...gitRepository, apiVersion: 'source.toolkit.fluxcd.io/v1beta2' }],
    ['another kind', { ...gitRepository, kind: 'HelmRepository' }],
    [
      'an object without spec',
      { apiVersion: gitRepository.apiVersion, kind: 'GitRepository', metadata: {} },
    ],
    ['a string', 'GitRepository'],
    ['null', null],
  ])('refuses %s', (_what, value) => {
    expect(isGitRepository(value)).toBe(false);
  });

  it('throws a typed error naming both kinds', () => {
    expect(() => asKustomization(gitRepository)).toThrow(UnexpectedKindError);
    expect(() => asKustomization(gitRepository)).toThrow(
      'expected a kustomize.toolkit.fluxcd.io/v1 Kustomization object, got source.toolkit.fluxcd.io/v1 GitRepository',
    );
  });
});

describe('servedKind', () => {
  it.each([
    ['kustomize.toolkit.fluxcd.io/v1beta1', 'Kustomization', 'kustomize.toolkit.fluxcd.io/v1'],
    ['helm.toolkit.fluxcd.io/v2beta1', 'HelmRelease', 'helm.toolkit.fluxcd.io/v2'],
    ['source.toolkit.fluxcd.io/v1beta2', 'OCIRepository', 'source.toolkit.fluxcd.io/v1'],
    ['image.toolkit.fluxcd.io/v1beta1', 'ImagePolicy', 'image.toolkit.fluxcd.io/v1'],
  ])('maps %s %s to its storage version', (apiVersion, kind, storage) => {
    const definition = servedKind(apiVersion, kind);
    expect(definition === undefined ? undefined : storageApiVersion(definition)).toBe(storage);
  });

  it.each([
    ['source.toolkit.fluxcd.io/v1beta1', 'OCIRepository'],
    ['source.toolkit.fluxcd.io/v1', 'Kustomization'],
    ['apps/v1', 'Deployment'],
  ])('knows no %s %s', (apiVersion, kind) => {
    expect(servedKind(apiVersion, kind)).toBeUndefined();
  });
});

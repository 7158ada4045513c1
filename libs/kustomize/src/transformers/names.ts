/** `namePrefix` and `nameSuffix`: rename resources, remembering old names for references. */
import { KustomizeError } from '../errors.js';
import { applyFieldSpecs, type FieldSpec } from '../field-specs.js';
import { formatId, type Resource } from '../resource.js';
import { describe, isMap } from '../value.js';

/** Kinds whose names prefixes and suffixes never touch. */
export const unprefixedKinds = new Set(['CustomResourceDefinition', 'APIService', 'Namespace']);

export function addPrefixSuffix(
  resources: readonly Resource[],
  prefix: string,
  suffix: string,
): void {
  if (prefix === '' && suffix === '') return;
  for (const resource of resources) {
    if (unprefixedKinds.has(resource.kind)) continue;
    resource.rename(`${prefix}${resource.name}${suffix}`);
    if (prefix !== '') resource.prefixes.push(prefix);
    if (suffix !== '') resource.suffixes.push(suffix);
  }
}

/**
 * Fields `crds` mark `x-kubernetes-identity` get the prefix too (not the suffix, as in
 * kustomize); they must hold a scalar.
 */
export function prefixIdentityFields(
  resources: readonly Resource[],
  prefix: string,
  specs: readonly FieldSpec[],
): void {
  affixFields(resources, specs, 'namePrefix', (value) => `${prefix}${value}`, prefix);
}

/** Fields `configurations` add to nameSuffix get the suffix. */
export function suffixFields(
  resources: readonly Resource[],
  suffix: string,
  specs: readonly FieldSpec[],
): void {
  affixFields(resources, specs, 'nameSuffix', (value) => `${value}${suffix}`, suffix);
}

function affixFields(
  resources: readonly Resource[],
  specs: readonly FieldSpec[],
  field: 'namePrefix' | 'nameSuffix',
  affix: (value: string) => string,
  text: string,
): void {
  if (text === '' || specs.length === 0) return;
  for (const resource of resources) {
    if (unprefixedKinds.has(resource.kind)) continue;
    applyFieldSpecs(resource, specs, (parent, key, spec) => {
      const value = parent[key];
      if (value === undefined || value === null) return;
      if (Array.isArray(value) || isMap(value)) {
        throw new KustomizeError(
          `${resource.origin}: ${field}: field '${spec.path.join('/')}' of ${formatId(resource.id())}: ` +
            `expected a scalar, not ${describe(value)}`,
        );
      }
      parent[key] = affix(describe(value));
    });
  }
}

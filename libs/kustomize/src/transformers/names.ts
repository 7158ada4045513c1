/** `namePrefix` and `nameSuffix`: rename resources, remembering old names for references. */
import type { Resource } from '../resource.js';

/** Kinds whose names prefixes and suffixes never touch. */
const unprefixedKinds = new Set(['CustomResourceDefinition', 'APIService', 'Namespace']);

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

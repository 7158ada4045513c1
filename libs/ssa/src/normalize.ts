import { isPlainObject, type Manifest } from '@tide/kube';

/** Metadata the API server writes on its own; a difference here is not a change. */
const serverMetadata = [
  'resourceVersion',
  'generation',
  'uid',
  'creationTimestamp',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];

/**
 * The object without what the server maintains by itself (resourceVersion, generation,
 * uid, timestamps, status, and the times in managedFields). Ownership in managedFields is
 * kept: a change of owner is a change an apply has to make.
 */
export function withoutServerNoise(object: Manifest): Manifest {
  const copy = structuredClone(object);
  for (const key of serverMetadata) Reflect.deleteProperty(copy.metadata, key);
  delete copy.status;
  const managed = copy.metadata.managedFields;
  if (Array.isArray(managed)) {
    for (const entry of managed) if (isPlainObject(entry)) delete entry.time;
  }
  return copy;
}

/** What a person reads in a diff: the noise above and managedFields left out entirely. */
export function forDisplay(object: Manifest): Manifest {
  const copy = withoutServerNoise(object);
  delete copy.metadata.managedFields;
  return copy;
}

/** True when the two objects are the same apart from server noise. */
export function sameObject(live: Manifest, candidate: Manifest): boolean {
  return deepEqual(withoutServerNoise(live), withoutServerNoise(candidate));
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const keys = Object.keys(a).filter((key) => a[key] !== undefined);
    const otherKeys = Object.keys(b).filter((key) => b[key] !== undefined);
    return keys.length === otherKeys.length && keys.every((key) => deepEqual(a[key], b[key]));
  }
  return false;
}

/**
 * Strategic merge patch: maps merge recursively, `null` deletes a field, lists with a merge key
 * merge element by element (matched by key, new elements appended), other lists are replaced.
 * Directives: `$patch: replace|delete|merge` on maps and list elements. Like kustomize (whose
 * kyaml merge does not implement them), `$deleteFromPrimitiveList/<field>`,
 * `$setElementOrder/<field>` and `$retainKeys` are kept as ordinary fields. Kinds without a schema (custom resources) get the same rules with every list replaced,
 * which is a JSON merge patch.
 */
import { KustomizeError } from '../errors.js';
import { deepEqual, isMap, newMap, type Value, type ValueMap } from '../value.js';
import type { FieldSchema, TypeSchema } from './schema.js';

/** What a merge returns when a `$patch: delete` removes the whole value. */
export const deleted = Symbol('deleted');

const patchDirective = '$patch';

/** Merges `patch` into a copy of `original`. */
export function strategicMerge(
  original: ValueMap,
  patch: ValueMap,
  schema: TypeSchema | undefined,
): ValueMap | typeof deleted {
  return mergeMap(original, patch, schema);
}

function mergeMap(
  original: ValueMap | undefined,
  patch: ValueMap,
  schema: TypeSchema | undefined,
): ValueMap | typeof deleted {
  const directive = patch[patchDirective];
  if (directive === 'delete') return deleted;
  if (directive === 'replace') return stripDirectives(patch) as ValueMap;
  if (directive !== undefined && directive !== 'merge') {
    throw new KustomizeError(`unknown patch directive $patch: ${JSON.stringify(directive)}`);
  }
  const result = original === undefined ? newMap() : shallowCopy(original);
  for (const key of Object.keys(patch)) {
    if (key === patchDirective) continue;
    const value = patch[key] as Value;
    if (value === null) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a patch deletes by name
      delete result[key];
      continue;
    }
    const field = schema?.[key];
    const current = result[key];
    if (isMap(value)) {
      const merged = mergeMap(isMap(current) ? current : undefined, value, field?.type);
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- `$patch: delete`
      if (merged === deleted) delete result[key];
      else result[key] = merged;
    } else if (Array.isArray(value)) {
      result[key] = mergeList(Array.isArray(current) ? current : undefined, value, field);
    } else {
      result[key] = value;
    }
  }
  return result;
}

function mergeList(
  original: readonly Value[] | undefined,
  patch: readonly Value[],
  field: FieldSchema | undefined,
): Value[] {
  const replacing = patch.filter((item) => isMap(item) && item[patchDirective] === 'replace');
  if (replacing.some((item) => Object.keys(item as ValueMap).length > 1)) {
    // kustomize's own handling of `$patch: replace` on one list element is not a plain
    // replacement, and this engine does not reproduce it.
    throw new KustomizeError(
      "$patch: replace on a single list element is not supported by tide's kustomize yet",
    );
  }
  if (replacing.length > 0) {
    return patch
      .filter((item) => !(isMap(item) && item[patchDirective] === 'replace'))
      .map(stripDirectives);
  }
  const keys = field?.mergeKeys;
  if (keys !== undefined) {
    refuseSecondaryKeys(original ?? [], patch, keys);
    return mergeKeyedList(original ?? [], patch, keys, field?.type);
  }
  if (field?.mergePrimitives === true) {
    // As with keyed lists: the patch's values first, then the original values it lacks.
    const result: Value[] = [];
    for (const item of [...patch, ...(original ?? [])]) {
      if (!result.some((existing) => deepEqual(existing, item))) result.push(item);
    }
    return result;
  }
  return patch.map(stripDirectives);
}

/**
 * Keyed lists come out as kubectl's patch logic orders them: the patch's elements first, in
 * patch order (merged into their originals), then the untouched originals in their order.
 */
function mergeKeyedList(
  original: readonly Value[],
  patch: readonly Value[],
  keys: readonly string[],
  type: TypeSchema | undefined,
): Value[] {
  const consumed = new Set<number>();
  const result: Value[] = [];
  for (const item of patch) {
    if (!isMap(item)) {
      result.push(item);
      continue;
    }
    const matching = original.flatMap((existing, index) =>
      !consumed.has(index) && sameElement(existing, item, keys) ? [index] : [],
    );
    if (item[patchDirective] === 'delete') {
      for (const index of matching) consumed.add(index);
      continue;
    }
    const [index] = matching;
    const current = index === undefined ? undefined : original[index];
    if (index !== undefined) consumed.add(index);
    const merged = mergeMap(isMap(current) ? current : undefined, item, type);
    if (merged !== deleted) result.push(merged);
  }
  original.forEach((existing, index) => {
    if (!consumed.has(index)) result.push(existing);
  });
  return result;
}

/**
 * Lists keyed by two fields (ports by port and protocol, spread constraints by topology key and
 * policy) merge in kustomize in ways this engine does not reproduce once the second field is
 * set (element order, elements dropped), so those merges are refused rather than guessed.
 */
function refuseSecondaryKeys(
  original: readonly Value[],
  patch: readonly Value[],
  keys: readonly string[],
): void {
  const secondary = keys.slice(1);
  if (secondary.length === 0) return;
  const sets = (item: Value) => isMap(item) && secondary.some((key) => key in item);
  if (original.some(sets) || patch.some(sets)) {
    throw new KustomizeError(
      `strategic merge of list elements keyed by ${keys.join(' and ')} with ${secondary.join(', ')} ` +
        `set is not supported by tide's kustomize yet; use a JSON 6902 patch`,
    );
  }
}

/** Elements match on the first key, and on the others where both sides set them. */
function sameElement(
  existing: Value | undefined,
  item: ValueMap,
  keys: readonly string[],
): boolean {
  if (!isMap(existing)) return false;
  const [first, ...rest] = keys;
  if (first === undefined || !(first in item) || !deepEqual(existing[first], item[first])) {
    return false;
  }
  return rest.every(
    (key) => !(key in item) || !(key in existing) || deepEqual(existing[key], item[key]),
  );
}

/** A patch value placed as-is: directives and nulls removed. */
function stripDirectives(value: Value): Value {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isMap(value)) return value;
  const result = newMap();
  for (const key of Object.keys(value)) {
    if (key === patchDirective) continue;
    const item = value[key] as Value;
    if (item === null) continue;
    result[key] = stripDirectives(item);
  }
  return result;
}

function shallowCopy(map: ValueMap): ValueMap {
  const copy = newMap();
  for (const key of Object.keys(map)) copy[key] = map[key] as Value;
  return copy;
}

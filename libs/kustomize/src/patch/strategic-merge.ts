/**
 * Strategic merge patch as kustomize applies it (kyaml's merge with the patch's list elements
 * first): maps merge recursively, `null` deletes a field, keyed lists merge element by element
 * (associative-list.ts), other lists are replaced. Directives: `$patch: replace|delete|merge` on
 * maps and list elements. Like kustomize, `$deleteFromPrimitiveList/<field>`,
 * `$setElementOrder/<field>` and `$retainKeys` are kept as ordinary fields. Kinds without a
 * schema (custom resources) get the same rules with every list replaced, which is a JSON merge
 * patch.
 */
import { KustomizeError } from '../errors.js';
import { deepEqual, describe, isMap, newMap, type Value, type ValueMap } from '../value.js';
import { mergeAssociativeList, type ElementMerge } from './associative-list.js';
import { fieldOf, type FieldSchema, type TypeSchema } from './schema.js';

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
    const field = fieldOf(schema, key);
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
  if (original !== undefined && schema !== undefined) {
    for (const key of Object.keys(original)) {
      if (!(key in patch)) result[key] = walkOriginal(original[key] as Value, fieldOf(schema, key));
    }
  }
  return result;
}

function mergeList(
  original: readonly Value[] | undefined,
  patch: readonly Value[],
  field: FieldSchema | undefined,
): Value[] {
  // A lone `- $patch: replace` element replaces the whole list with the patch's other elements.
  const replacing = patch.filter(
    (item) => isMap(item) && item[patchDirective] === 'replace' && Object.keys(item).length === 1,
  );
  if (replacing.length > 0) {
    return patch.filter((item) => !replacing.includes(item)).map(stripDirectives);
  }
  const keys = field?.mergeKeys;
  if (keys !== undefined) {
    return mergeAssociativeList(original, patch, keys, elementMerge(field?.type));
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
 * How kyaml merges one element of a keyed list. An original element is merged in place (see
 * associative-list.ts for why identity matters); `$patch: replace` yields a new element, which
 * the original later displaces.
 */
function elementMerge(type: TypeSchema | undefined): ElementMerge {
  return (original, patch) => {
    if (patch === undefined) {
      if (original === undefined) return undefined;
      return mergeInPlace(original, newMap(), type);
    }
    // kyaml consumes the directive from the (copied) patch element: looked up again for another
    // tuple, the element merges plainly.
    const directive = patch[patchDirective];
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the directive is consumed
    delete patch[patchDirective];
    if (directive !== undefined && !['delete', 'replace', 'merge'].includes(describe(directive))) {
      throw new KustomizeError(`unknown patch directive $patch: ${describe(directive)}`);
    }
    if (directive === 'delete') return undefined;
    // The original list came from the patch: the element is merged with itself.
    if (original === patch) return mergeInPlace(original, shallowCopy(original), type, true);
    if (original === undefined || directive === 'replace') {
      const fresh = mergeMap(undefined, patch, type);
      return fresh === deleted ? undefined : fresh;
    }
    return mergeInPlace(original, patch, type);
  };
}

function mergeInPlace(
  target: ValueMap,
  patch: ValueMap,
  type: TypeSchema | undefined,
  fresh = false,
): ValueMap | undefined {
  const merged = mergeMap(fresh ? undefined : target, patch, type);
  if (merged === deleted) return undefined;
  for (const key of Object.keys(target)) {
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- replacing the contents
    delete target[key];
  }
  for (const key of Object.keys(merged)) target[key] = merged[key] as Value;
  return target;
}

/**
 * kyaml also walks the fields a patch does not name, which re-merges their keyed lists on their
 * own (collapsing duplicate keys, reordering two-key lists).
 */
function walkOriginal(value: Value, field: FieldSchema | undefined): Value {
  if (field === undefined) return value;
  if (Array.isArray(value) && field.mergeKeys !== undefined) {
    return mergeAssociativeList(value, undefined, field.mergeKeys, elementMerge(field.type));
  }
  if (isMap(value) && field.type !== undefined) {
    const walked = mergeMap(value, newMap(), field.type);
    return walked === deleted ? value : walked;
  }
  return value;
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

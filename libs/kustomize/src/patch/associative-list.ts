/**
 * Keyed ("associative") lists in a strategic merge, element for element as kustomize's kyaml
 * walker merges them with the patch's elements put first. Its rules differ from Kubernetes' own
 * patch logic in ways that show in the output, and this module reproduces them:
 *
 * - Lists keyed by two fields (container and Service ports by port and protocol, spread
 *   constraints by topology key and policy) identify an element by the tuple of its key values;
 *   a missing protocol is not defaulted to TCP. A tuple with an empty field takes the values of
 *   another tuple it agrees with, so `{containerPort: 80}` in a patch names the original's
 *   `{containerPort: 80, protocol: TCP}` — and is then not found in the patch, which leaves the
 *   original as it was.
 * - The original's elements are set again at the end: with two keys they move behind the patch's
 *   new elements, elements without the second key replace every element sharing the first.
 * - Duplicates of one key collapse into the last of them, in every keyed list of a patched
 *   resource, not only in the lists the patch names.
 * - `$patch: replace` on an element that exists in the original keeps the original element.
 *
 * Elements are merged in place (copies are made first), because which element survives is decided
 * by identity: an original element merged by the patch is the same element afterwards.
 */
import { KustomizeError } from '../errors.js';
import { isMap, newMap, type Value, type ValueMap } from '../value.js';

/** Merges one element of the original with its counterpart in the patch (either may be absent). */
export type ElementMerge = (
  original: ValueMap | undefined,
  patch: ValueMap | undefined,
) => ValueMap | undefined;

/**
 * Merges a keyed list. With `patch` undefined the original is walked alone, as kyaml walks the
 * fields a patch does not name.
 */
export function mergeAssociativeList(
  original: readonly Value[] | undefined,
  patch: readonly Value[] | undefined,
  keys: readonly string[],
  mergeElement: ElementMerge,
): Value[] {
  // kyaml starts from the patch's list when the original has none: the two are then one list.
  const dest = copyElements(original ?? patch ?? []);
  const source = original === undefined ? dest : copyElements(patch ?? []);
  requireMappings(dest, keys);
  requireMappings(source, keys);
  let valuesList = elementValues([source, dest], keys);
  if (keys.length > 1) valuesList = mergeValues(valuesList);

  let target = dest;
  let items: Value[] = [];
  let validKeys: readonly string[] = keys;
  for (const values of valuesList) {
    const valid = validateKeys(valuesList, values, keys);
    validKeys = valid.keys;
    const own = validateKeys([values], values, keys);
    const merged = mergeElement(
      findElement(target, own.keys, own.values),
      source === dest
        ? findElement(target, own.keys, own.values)
        : findElement(source, own.keys, own.values),
    );
    if (merged === undefined || Object.keys(merged).length === 0) {
      target = setElement(target, undefined, valid.keys, valid.values);
      continue;
    }
    valid.keys.forEach((key, index) => {
      const value = valid.values[index] ?? '';
      // A key the patch removed is set again, as a plain YAML scalar reads.
      if (!(key in merged) && value !== '') merged[key] = plainScalar(value);
    });
    items = setElement(items, merged, valid.keys, valid.values);
  }
  if (valuesList.length === 0) return target;
  return appendOriginals(items, target, validKeys);
}

function plainScalar(text: string): Value {
  if (/^-?\d+$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

function copyElements(list: readonly Value[]): Value[] {
  return list.map((item) => {
    if (!isMap(item)) return item;
    const copy = newMap();
    for (const key of Object.keys(item)) copy[key] = item[key] as Value;
    return copy;
  });
}

/** kyaml cannot read key fields of scalar elements and fails; so does this engine. */
function requireMappings(list: readonly Value[], keys: readonly string[]): void {
  if (list.some((item) => item !== null && !isMap(item))) {
    throw new KustomizeError(
      `strategic merge: elements of a list keyed by ${keys.join(' and ')} must be mappings`,
    );
  }
}

/** A key field as kyaml reads it for element values: empty when missing, null or not a scalar. */
function keyText(value: Value | undefined): string {
  if (value === undefined || value === null || typeof value === 'object') return '';
  return String(value);
}

/** Every element's tuple of key values, the patch's first, without repeats. */
function elementValues(
  sources: readonly (readonly Value[])[],
  keys: readonly string[],
): string[][] {
  const result: string[][] = [];
  const seen = new Set<string>();
  for (const list of sources) {
    for (const item of list) {
      const values = keys.map((key) => (isMap(item) ? keyText(item[key]) : ''));
      const id = JSON.stringify(values);
      if (seen.has(id)) continue;
      seen.add(id);
      result.push(values);
    }
  }
  return result;
}

/**
 * Tuples that agree where both are set take each other's values (kyaml's mergeValues, including
 * its habit of reading the outer tuple once per round while the inner loop sees updates).
 */
function mergeValues(valuesList: string[][]): string[][] {
  const list = [...valuesList];
  for (let i = 0; i < list.length; i++) {
    const first = list[i] ?? [];
    for (let j = 0; j < list.length; j++) {
      const joined = joinValues(first, list[j] ?? []);
      if (joined !== undefined) {
        list[i] = joined;
        list[j] = joined;
      }
    }
  }
  return list;
}

function joinValues(a: readonly string[], b: readonly string[]): string[] | undefined {
  if (a.length !== b.length) return undefined;
  let common = false;
  const result: string[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x === y) {
      common = true;
      result.push(x);
    } else if (x !== '' && y !== '') {
      return undefined;
    } else {
      result.push(x === '' ? y : x);
    }
  }
  return common ? result : undefined;
}

/** Keeps the keys some tuple sets; all of them if none does. */
function validateKeys(
  valuesList: readonly (readonly string[])[],
  values: readonly string[],
  keys: readonly string[],
): { keys: string[]; values: string[] } {
  const used = new Set<string>();
  for (const tuple of valuesList) {
    tuple.forEach((value, index) => {
      const key = keys[index];
      if (value !== '' && key !== undefined) used.add(key);
    });
  }
  if (used.size === 0) return { keys: [...keys], values: [...values] };
  return {
    keys: keys.filter((key) => used.has(key)),
    values: values.filter((value, index) => value !== '' || used.has(keys[index] ?? '')),
  };
}

/** The raw text of a field as kyaml compares it when matching elements. */
function fieldText(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'object') return '';
  return String(value);
}

/** The first mapping whose key fields all have these values (kyaml's ElementList). */
function findElement(
  list: readonly Value[],
  keys: readonly string[],
  values: readonly string[],
): ValueMap | undefined {
  return list.find(
    (item): item is ValueMap =>
      isMap(item) &&
      keys.every((key, index) => key in item && fieldText(item[key] as Value) === values[index]),
  );
}

/**
 * kyaml's ElementSetter: drops empty elements, replaces (or, with no element, removes) every
 * element matching the keys, appends the element if none matched. An empty value matches any
 * value of its field, and keys beyond the values given match whatever the last one did.
 */
function setElement(
  list: readonly Value[],
  element: ValueMap | undefined,
  keys: readonly string[],
  values: readonly string[],
): Value[] {
  const result: Value[] = [];
  let found = false;
  for (const item of list) {
    if (item === null || (isMap(item) && Object.keys(item).length === 0)) continue;
    if (!isMap(item) || !matches(item, keys, values)) {
      if (values.length > 0) result.push(item);
      continue;
    }
    found = true;
    if (element !== undefined) result.push(element);
  }
  if (element !== undefined && !found) result.push(element);
  return result;
}

function matches(item: ValueMap, keys: readonly string[], values: readonly string[]): boolean {
  let matched = false;
  for (let index = 0; index < keys.length; index++) {
    const value = values[index];
    if (value === undefined) {
      if (!matched) return false;
      continue;
    }
    const key = keys[index] ?? '';
    matched = key in item && (value === '' || fieldText(item[key] as Value) === value);
    if (!matched) return false;
  }
  return matched;
}

/**
 * The original's elements are set again behind the patch's (kyaml's appendListNode): with two
 * keys each is first removed and appended; one without a key is appended, and then replaces every
 * element matching the keys it has.
 */
function appendOriginals(
  items: Value[],
  original: readonly Value[],
  keys: readonly string[],
): Value[] {
  let result = items;
  for (const element of original) {
    if (!isMap(element)) continue;
    const values: string[] = [];
    for (const key of keys) {
      const field = element[key];
      if (field === undefined) {
        result = [...result, element];
        continue;
      }
      values.push(fieldText(field));
    }
    if (keys.length > 1) result = setElement(result, undefined, keys, values);
    result = setElement(result, element, keys, values);
  }
  return result;
}

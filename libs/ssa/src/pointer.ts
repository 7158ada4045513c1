import { deepEqual } from './normalize.js';
import { isPlainObject, type Manifest } from '@tide/kube';

/** An RFC 6901 JSON pointer, split into unescaped tokens; `[]` is the whole document. */
export type Pointer = readonly string[];

/** Parses `/spec/template/metadata/annotations/example.com~1key`; `` is the whole document. */
export function parsePointer(text: string): Pointer {
  if (text === '') return [];
  if (!text.startsWith('/'))
    throw new TypeError(`${JSON.stringify(text)} is not a JSON pointer: it must start with /`);
  return text
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~(?![01])/.test(token))
        throw new TypeError(
          `${JSON.stringify(text)} is not a JSON pointer: bad escape in ${token}`,
        );
      return token.replaceAll('~1', '/').replaceAll('~0', '~');
    });
}

/** The value at a pointer; undefined when any step is missing. */
export function valueAt(root: unknown, pointer: Pointer): unknown {
  let node = root;
  for (const token of pointer) {
    const child = childOf(node, token);
    if (child === undefined) return undefined;
    node = child.value;
  }
  return node;
}

/**
 * Copies the value at the pointer in `from` to the same place in `to`, making the objects
 * on the way that `to` lacks (never list items). False, and `to` untouched, when `from` has
 * no value there or `to` cannot hold it (a list item it does not have).
 */
export function copyAt(from: unknown, to: unknown, pointer: Pointer): boolean {
  const last = pointer.at(-1);
  const value = valueAt(from, pointer);
  if (last === undefined || value === undefined) return false;
  const steps = pointer.slice(0, -1);
  let target = to;
  for (const [step, token] of steps.entries()) {
    const child = childOf(target, token);
    if (child !== undefined) {
      target = child.value;
      continue;
    }
    // The rest of the way must be objects in both, so nothing is left half-made.
    const rest = steps.slice(step);
    if (!isPlainObject(target) || !allObjects(from, pointer.slice(0, step), rest)) return false;
    for (const missing of rest) {
      const fresh: Record<string, unknown> = {};
      (target as Record<string, unknown>)[missing] = fresh;
      target = fresh;
    }
    break;
  }
  if (isPlainObject(target)) {
    target[last] = structuredClone(value);
    return true;
  }
  const index = arrayIndex(target, last);
  if (!Array.isArray(target) || index === undefined) return false;
  target[index] = structuredClone(value);
  return true;
}

function allObjects(root: unknown, prefix: Pointer, rest: Pointer): boolean {
  let node = valueAt(root, prefix);
  for (const token of rest) {
    node = isPlainObject(node) ? node[token] : undefined;
    if (!isPlainObject(node)) return false;
  }
  return true;
}

/** Removes the value at the pointer; false when there is none. */
export function removeAt(root: unknown, pointer: Pointer): boolean {
  const last = pointer.at(-1);
  if (last === undefined) return false;
  const parent = valueAt(root, pointer.slice(0, -1));
  if (isPlainObject(parent)) {
    if (!(last in parent)) return false;
    Reflect.deleteProperty(parent, last);
    return true;
  }
  const index = arrayIndex(parent, last);
  if (!Array.isArray(parent) || index === undefined) return false;
  parent.splice(index, 1);
  return true;
}

/**
 * Removes, from every managedFields entry of `object`, the ownership of the field at the
 * pointer (so who owns an ignored field is no difference either). List items are found the
 * way fieldsV1 keys them: `k:{...}` by key fields, `v:` by value, `i:` by index.
 */
export function removeOwnership(object: Manifest, pointer: Pointer): void {
  const managed = object.metadata.managedFields;
  if (!Array.isArray(managed) || pointer.length === 0) return;
  for (const entry of managed) {
    if (!isPlainObject(entry) || !isPlainObject(entry.fieldsV1)) continue;
    removeFieldSet(entry.fieldsV1, object, pointer);
  }
}

function removeFieldSet(fields: Record<string, unknown>, object: unknown, pointer: Pointer): void {
  let set: Record<string, unknown> = fields;
  let node: unknown = object;
  for (const [step, token] of pointer.entries()) {
    const child = childOf(node, token);
    const key = Array.isArray(node)
      ? itemKey(set, child?.value, Number(token))
      : isPlainObject(node) || node === undefined
        ? `f:${token}`
        : undefined;
    if (key === undefined || !(key in set)) return;
    if (step === pointer.length - 1) {
      Reflect.deleteProperty(set, key);
      return;
    }
    const next = set[key];
    if (!isPlainObject(next)) return;
    set = next;
    node = child?.value;
  }
}

function itemKey(set: Record<string, unknown>, item: unknown, index: number): string | undefined {
  for (const key of Object.keys(set)) {
    if (key === `i:${index}`) return key;
    if (key.startsWith('v:') && deepEqual(parseJson(key.slice(2)), item)) return key;
    if (key.startsWith('k:')) {
      const fields = parseJson(key.slice(2));
      if (
        isPlainObject(fields) &&
        isPlainObject(item) &&
        Object.entries(fields).every(([name, value]) => deepEqual(item[name], value))
      )
        return key;
    }
  }
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function childOf(node: unknown, token: string): { value: unknown } | undefined {
  if (isPlainObject(node)) return token in node ? { value: node[token] } : undefined;
  const index = arrayIndex(node, token);
  return Array.isArray(node) && index !== undefined ? { value: node[index] as unknown } : undefined;
}

/** A list index as RFC 6901 writes one (no sign, no leading zero), within the list. */
function arrayIndex(node: unknown, token: string): number | undefined {
  if (!Array.isArray(node) || !/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const index = Number(token);
  return index < node.length ? index : undefined;
}

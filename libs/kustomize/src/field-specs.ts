/**
 * Field specs: which fields of which kinds a transformer touches. Paths are slash-separated;
 * lists met on the way are walked element by element, as kustomize does.
 */
import type { Resource } from './resource.js';
import { isMap, newMap, type Value, type ValueMap } from './value.js';

export interface FieldSpec {
  readonly group?: string;
  readonly version?: string;
  readonly kind?: string;
  readonly path: readonly string[];
  /** Create missing fields (and the maps above them) instead of skipping the resource. */
  readonly create: boolean;
  /** Path segments written `name[]`: lists, which are never created when missing. */
  readonly lists?: ReadonlySet<string>;
}

export function fieldSpec(
  path: string,
  options: { kind?: string; group?: string; version?: string; create?: boolean } = {},
): FieldSpec {
  const segments = path.split('/');
  const lists = new Set(segments.filter((s) => s.endsWith('[]')).map((s) => s.slice(0, -2)));
  return {
    ...options,
    path: segments.map((segment) => segment.replace(/\[\]$/, '')),
    create: options.create ?? false,
    lists,
  };
}

export function specMatches(spec: FieldSpec, resource: Resource): boolean {
  if (spec.kind !== undefined && spec.kind !== resource.kind) return false;
  if (spec.group !== undefined && spec.group !== resource.group) return false;
  if (spec.version !== undefined && spec.version !== resource.version) return false;
  return true;
}

/**
 * Calls `visit` with the parent map and key of every field the path reaches. With `create`,
 * missing maps on the way are created and the visitor is called for the missing leaf too.
 */
export function walkPath(
  node: Value | undefined,
  path: readonly string[],
  create: boolean,
  visit: (parent: ValueMap, key: string) => void,
  lists?: ReadonlySet<string>,
): void {
  if (Array.isArray(node)) {
    for (const item of node) walkPath(item, path, create, visit, lists);
    return;
  }
  if (!isMap(node)) return;
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    if (head in node || create) visit(node, head);
    return;
  }
  let child = node[head];
  if (child === undefined || child === null) {
    if (!create || lists?.has(head) === true) return;
    child = newMap();
    node[head] = child;
  }
  walkPath(child, rest, create, visit, lists);
}

/** Applies every matching spec to a resource's object. */
export function applyFieldSpecs(
  resource: Resource,
  specs: readonly FieldSpec[],
  visit: (parent: ValueMap, key: string, spec: FieldSpec) => void,
): void {
  for (const spec of specs) {
    if (!specMatches(spec, resource)) continue;
    walkPath(
      resource.object,
      spec.path,
      spec.create,
      (parent, key) => {
        visit(parent, key, spec);
      },
      spec.lists,
    );
  }
}

/**
 * The resources of a build in order, indexed by kind and by id so that each patch and each
 * name reference looks at its few candidates instead of walking every resource.
 */
import { KustomizeError } from './errors.js';
import { formatId, type ResId, type Resource } from './resource.js';
import type { ResourceMatcher } from './selector.js';
import { isClusterScoped } from './transformers/namespace.js';

export class ResourceIndex {
  private resources: Resource[] = [];
  private readonly byKind = new Map<string, Set<Resource>>();
  private readonly byKey = new Map<string, Resource>();
  /** Insertion sequence, to return kind subsets in build order without scanning everything. */
  private readonly sequence = new Map<Resource, number>();
  private nextSequence = 0;

  get size(): number {
    return this.resources.length;
  }

  all(): readonly Resource[] {
    return this.resources;
  }

  ofKind(kind: string): readonly Resource[] {
    const set = this.byKind.get(kind);
    if (set === undefined) return [];
    return [...set].sort((a, b) => (this.sequence.get(a) ?? 0) - (this.sequence.get(b) ?? 0));
  }

  /** Adds a resource; its id must be new to the build. */
  add(resource: Resource): void {
    const key = idKey(resource);
    const existing = this.byKey.get(key);
    if (existing !== undefined) {
      throw new KustomizeError(
        `${resource.origin}: may not add resource with an already registered id: ` +
          `${formatId(resource.id())} (also in ${existing.origin})`,
      );
    }
    this.resources.push(resource);
    this.sequence.set(resource, this.nextSequence++);
    this.byKey.set(key, resource);
    this.kindSet(resource.kind).add(resource);
  }

  /** The resource with this current id, if any. */
  get(resource: Resource): Resource | undefined {
    return this.byKey.get(idKey(resource));
  }

  remove(resource: Resource): void {
    this.resources = this.resources.filter((candidate) => candidate !== resource);
    this.byKey.delete(idKey(resource));
    this.byKind.get(resource.kind)?.delete(resource);
  }

  /** Swaps `old` for `replacement` at the same position. */
  replace(old: Resource, replacement: Resource): void {
    const position = this.resources.indexOf(old);
    this.byKey.delete(idKey(old));
    this.byKind.get(old.kind)?.delete(old);
    this.resources[position] = replacement;
    this.sequence.set(replacement, this.sequence.get(old) ?? this.nextSequence++);
    this.byKey.set(idKey(replacement), replacement);
    this.kindSet(replacement.kind).add(replacement);
  }

  /**
   * Re-keys every resource after a transformer changed many ids at once; two resources ending
   * up with one id is an error named after the transformer.
   */
  rekeyAll(transformer: string): void {
    this.byKey.clear();
    this.byKind.clear();
    for (const resource of this.resources) {
      const key = idKey(resource);
      const existing = this.byKey.get(key);
      if (existing !== undefined) {
        throw new KustomizeError(
          `${transformer} transformation produces ID conflict: ${formatId(resource.id())} ` +
            `(from ${existing.origin} and ${resource.origin})`,
        );
      }
      this.byKey.set(key, resource);
      this.kindSet(resource.kind).add(resource);
    }
  }

  /** Updates the indexes after a resource's id changed from `before`. */
  reindex(resource: Resource, before: ResId): void {
    const oldKey = keyOf(before, isClusterScoped(resource));
    if (this.byKey.get(oldKey) === resource) this.byKey.delete(oldKey);
    this.byKind.get(before.kind)?.delete(resource);
    this.byKey.set(idKey(resource), resource);
    this.kindSet(resource.kind).add(resource);
  }

  /** Resources a selector matches, in build order. */
  select(matcher: ResourceMatcher): Resource[] {
    const kind = matcher.literalKind();
    const candidates = kind === undefined ? this.resources : this.ofKind(kind);
    return candidates.filter((resource) => matcher.matches(resource));
  }

  private kindSet(kind: string): Set<Resource> {
    let set = this.byKind.get(kind);
    if (set === undefined) {
      set = new Set();
      this.byKind.set(kind, set);
    }
    return set;
  }
}

/** Cluster-scoped resources are unique by name alone; `default` and unset namespaces are one. */
function idKey(resource: Resource): string {
  return keyOf(resource.id(), isClusterScoped(resource));
}

function keyOf(id: ResId, clusterScoped: boolean): string {
  const namespace = clusterScoped ? '' : id.namespace === '' ? 'default' : id.namespace;
  return [id.group, id.version, id.kind, namespace, id.name].join('\u0000');
}

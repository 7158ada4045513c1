/**
 * A resource in a build: its object plus the identity history kustomize keeps so that name
 * references can follow renames (prefix, suffix, hash, namespace) made anywhere in the build.
 */
import { KustomizeError } from './errors.js';
import { isMap, newMap, type Value, type ValueMap } from './value.js';
import { parseDocuments } from './yaml/parse.js';

/** Group, version, kind, name and namespace: what makes a resource unique in a build. */
export interface ResId {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

/** How a generated resource meets one of the same name from a base. */
export type GeneratorBehavior = 'create' | 'merge' | 'replace';

export interface GeneratorInfo {
  readonly behavior: GeneratorBehavior;
  /** Whether the name gets the content hash suffix at the end of the build. */
  needsHash: boolean;
}

export class Resource {
  /** Ids this resource had before each rename, oldest first. */
  readonly previousIds: ResId[] = [];
  /** namePrefix and nameSuffix values applied to it, innermost first (for name references). */
  readonly prefixes: string[] = [];
  readonly suffixes: string[] = [];

  constructor(
    public object: ValueMap,
    /** The file it came from, for error messages. */
    readonly origin: string,
    public generator?: GeneratorInfo,
  ) {}

  get apiVersion(): string {
    return stringField(this.object.apiVersion);
  }

  get kind(): string {
    return stringField(this.object.kind);
  }

  get metadata(): ValueMap {
    const metadata = this.object.metadata;
    if (isMap(metadata)) return metadata;
    const created = newMap();
    this.object.metadata = created;
    return created;
  }

  get name(): string {
    return stringField(isMap(this.object.metadata) ? this.object.metadata.name : undefined);
  }

  get namespace(): string {
    return stringField(isMap(this.object.metadata) ? this.object.metadata.namespace : undefined);
  }

  get group(): string {
    return splitApiVersion(this.apiVersion).group;
  }

  get version(): string {
    return splitApiVersion(this.apiVersion).version;
  }

  id(): ResId {
    const { group, version } = splitApiVersion(this.apiVersion);
    return { group, version, kind: this.kind, name: this.name, namespace: this.namespace };
  }

  /** Every id the resource has had, the current one first. */
  allIds(): ResId[] {
    return [this.id(), ...this.previousIds];
  }

  /** The first id it had, before any rename in this build. */
  originalId(): ResId {
    return this.previousIds[0] ?? this.id();
  }

  /** Renames, remembering the old id for name references. */
  rename(name: string): void {
    if (name === this.name) return;
    this.previousIds.push(this.id());
    this.metadata.name = name;
  }

  moveToNamespace(namespace: string): void {
    if (namespace === this.namespace) return;
    this.previousIds.push(this.id());
    this.metadata.namespace = namespace;
  }

  labels(): ValueMap {
    const labels = this.metadata.labels;
    return isMap(labels) ? labels : newMap();
  }

  annotations(): ValueMap {
    const annotations = this.metadata.annotations;
    return isMap(annotations) ? annotations : newMap();
  }
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  if (slash < 0) return { group: '', version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function stringField(value: Value | undefined): string {
  return typeof value === 'string' ? value : '';
}

/** Namespaces kustomize treats as the same: unset and `default`. */
export function sameNamespace(a: string, b: string): boolean {
  return (a === '' ? 'default' : a) === (b === '' ? 'default' : b);
}

export function formatId(id: ResId): string {
  const gvk = [id.group, id.version, id.kind].filter((part) => part !== '').join('_');
  const namespace = id.namespace === '' ? '' : `${id.namespace}/`;
  return `${gvk} ${namespace}${id.name}`;
}

/** Checks the fields every resource needs, naming the file that lacks them. */
export function validateResource(object: ValueMap, origin: string): void {
  if (typeof object.kind !== 'string' || object.kind === '') {
    throw new KustomizeError(`${origin}: missing kind in resource`);
  }
  if (typeof object.apiVersion !== 'string' || object.apiVersion === '') {
    throw new KustomizeError(`${origin}: missing apiVersion in ${object.kind}`);
  }
  const metadata = object.metadata;
  const name = isMap(metadata) ? metadata.name : undefined;
  if (typeof name !== 'string' || name === '') {
    throw new KustomizeError(`${origin}: missing metadata.name in ${object.kind}`);
  }
}

/**
 * The resources a file's text holds, in order: every document, a `kind: List` (or any `*List`
 * with items) as its items, each checked as it is handed out.
 */
export function* resourcesIn(text: string, origin: string): Generator<ValueMap> {
  for (const document of parseDocuments(text, origin)) {
    for (const object of expandLists(document, origin)) {
      validateResource(object, origin);
      yield object;
    }
  }
}

function expandLists(document: Value, origin: string): ValueMap[] {
  if (!isMap(document)) {
    throw new KustomizeError(`${origin}: a resource must be a YAML mapping`);
  }
  const kind = document.kind;
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(document.items)) {
    return document.items.flatMap((item) => expandLists(item, origin));
  }
  return [document];
}

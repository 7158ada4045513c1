/**
 * The Kubernetes vocabulary every package shares: an object with metav1 metadata, the refs
 * that name objects and kinds, and the small helpers that read them. Objects are plain JSON.
 */

export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  time?: string;
  apiVersion?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
}

/** metav1.ObjectMeta: the fields Tide reads; the rest passes through untouched. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: ManagedFieldsEntry[];
}

/** Any object the API server serves. Reads leave apiVersion and kind as the server sent them. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

/**
 * An object whose identity is complete — apiVersion, kind and name — as apply, diff and
 * prune need it; every other field of the JSON survives.
 */
export interface Manifest extends KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & { name: string };
  [field: string]: unknown;
}

/** What identifies an object: enough to find it in the cluster. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** Absent or empty for cluster-scoped objects. */
  readonly namespace?: string;
}

/** Where a kind is served: enough to build every URL of it. */
export interface KindRef {
  /** `''` for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** The resource name in URLs, e.g. `gitrepositories`. */
  readonly plural: string;
  readonly namespaced: boolean;
}

export function apiVersionOf(kind: KindRef): string {
  return kind.group === '' ? kind.version : `${kind.group}/${kind.version}`;
}

/** `apps` for `apps/v1`, `` for the core group's `v1`. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function versionOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
}

/** `namespace/name`, or `name` for cluster-scoped objects: the work-queue key. */
export function objectKey(obj: KubeObject): string {
  const name = obj.metadata.name ?? '';
  const namespace = obj.metadata.namespace;
  return namespace === undefined || namespace === '' ? name : `${namespace}/${name}`;
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf('/');
  if (slash < 0) return { name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export function refOf(object: Manifest): ObjectRef {
  const namespace = object.metadata.namespace;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(namespace === undefined || namespace === '' ? {} : { namespace }),
  };
}

/** How people and events name an object: `Deployment/apps/web`, `Namespace/apps`. */
export function subjectOf(ref: ObjectRef | Manifest): string {
  const plain = 'metadata' in ref ? refOf(ref) : ref;
  return plain.namespace === undefined || plain.namespace === ''
    ? `${plain.kind}/${plain.name}`
    : `${plain.kind}/${plain.namespace}/${plain.name}`;
}

export function annotationOf(object: KubeObject, key: string): string | undefined {
  return object.metadata.annotations?.[key];
}

/** A JSON object: not null, not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads `a.b.c` from plain JSON; undefined when any step is missing. */
export function fieldOf(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const step of path) {
    if (!isPlainObject(current)) return undefined;
    current = current[step];
  }
  return current;
}

/** Checks that a parsed document is an object we can apply, naming what is missing. */
export function assertManifest(value: unknown, where: string): asserts value is Manifest {
  const problems: string[] = [];
  if (!isPlainObject(value)) throw new TypeError(`${where}: not an object`);
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '')
    problems.push('apiVersion is missing');
  if (typeof value.kind !== 'string' || value.kind === '') problems.push('kind is missing');
  if (!isPlainObject(value.metadata) || typeof value.metadata.name !== 'string')
    problems.push('metadata.name is missing');
  if (problems.length > 0) throw new TypeError(`${where}: ${problems.join(', ')}`);
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

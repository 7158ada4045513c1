/** A Kubernetes object as plain JSON; every field the server or the user sent survives. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMetadata;
  [field: string]: unknown;
}

export interface ObjectMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
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

export function refOf(object: KubeObject): ObjectRef {
  const namespace = object.metadata.namespace;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(namespace === undefined || namespace === '' ? {} : { namespace }),
  };
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

/** How people and events name an object: `Deployment/apps/web`, `Namespace/apps`. */
export function subjectOf(ref: ObjectRef | KubeObject): string {
  const plain = 'metadata' in ref ? refOf(ref) : ref;
  return plain.namespace === undefined || plain.namespace === ''
    ? `${plain.kind}/${plain.name}`
    : `${plain.kind}/${plain.namespace}/${plain.name}`;
}

export function annotationOf(object: KubeObject, key: string): string | undefined {
  return object.metadata.annotations?.[key];
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads `a.b.c` from plain JSON; undefined when any step is missing. */
export function fieldOf(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const step of path) {
    if (!isObject(current)) return undefined;
    current = current[step];
  }
  return current;
}

/** Checks that a parsed document is an object we can apply, naming what is missing. */
export function assertKubeObject(value: unknown, where: string): asserts value is KubeObject {
  const problems: string[] = [];
  if (!isObject(value)) throw new TypeError(`${where}: not an object`);
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '')
    problems.push('apiVersion is missing');
  if (typeof value.kind !== 'string' || value.kind === '') problems.push('kind is missing');
  if (!isObject(value.metadata) || typeof value.metadata.name !== 'string')
    problems.push('metadata.name is missing');
  if (problems.length > 0) throw new TypeError(`${where}: ${problems.join(', ')}`);
}

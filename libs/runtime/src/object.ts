/**
 * The shapes the runtime works on: any Kubernetes object with metav1 metadata, and the
 * status fields Flux kinds share. Structurally compatible with @tide/api's generated types.
 */

export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: ManagedFieldsEntry[];
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  time?: string;
}

/** metav1.Condition. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export const ConditionStatus = {
  True: 'True',
  False: 'False',
  Unknown: 'Unknown',
} as const;
export type ConditionStatus = (typeof ConditionStatus)[keyof typeof ConditionStatus];

/** The status fields every Flux kind has (fluxcd/pkg/apis/meta ReconcileRequestStatus et al.). */
export interface ReconcileStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  lastHandledReconcileAt?: string;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

/** An object with a status the runtime manages; spec and the rest of status are the kind's. */
export interface ReconcilableObject extends KubeObject {
  spec?: { suspend?: boolean; interval?: string } & Record<string, unknown>;
  status?: ReconcileStatus & Record<string, unknown>;
}

/** Where a kind is served: enough to build every URL the runtime needs. */
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

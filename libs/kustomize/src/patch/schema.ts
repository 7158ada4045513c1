/**
 * Merge keys and list strategies of the built-in Kubernetes types that strategic merge patches
 * rely on, as kustomize's (older) built-in schema has them: fields added to Kubernetes later,
 * such as schedulingGates or resourceClaims, are replaced like unkeyed lists. A type is a map from field name to how that field merges; fields not listed merge as
 * maps (if maps) or are replaced (lists and scalars).
 */
export interface FieldSchema {
  /** The element keys that identify list elements; absent: the list is replaced. */
  readonly mergeKeys?: readonly string[];
  /** Primitive lists merged as sets (e.g. finalizers). */
  readonly mergePrimitives?: boolean;
  /** The type of the field's value (or of list elements). */
  readonly type?: TypeSchema;
}

export type TypeSchema = Readonly<Record<string, FieldSchema>>;

const objectMeta: TypeSchema = {
  finalizers: { mergePrimitives: true },
  ownerReferences: { mergeKeys: ['uid'] },
};

const container: TypeSchema = {
  ports: { mergeKeys: ['containerPort', 'protocol'] },
  env: { mergeKeys: ['name'] },
  volumeMounts: { mergeKeys: ['mountPath'] },
  volumeDevices: { mergeKeys: ['devicePath'] },
};

/** Ephemeral containers' ports carry no merge key in kustomize's schema: they are replaced. */
const ephemeralContainer: TypeSchema = {
  env: { mergeKeys: ['name'] },
  volumeMounts: { mergeKeys: ['mountPath'] },
  volumeDevices: { mergeKeys: ['devicePath'] },
};

const podSpec: TypeSchema = {
  containers: { mergeKeys: ['name'], type: container },
  initContainers: { mergeKeys: ['name'], type: container },
  ephemeralContainers: { mergeKeys: ['name'], type: ephemeralContainer },
  volumes: { mergeKeys: ['name'] },
  imagePullSecrets: { mergeKeys: ['name'] },
  hostAliases: { mergeKeys: ['ip'] },
  topologySpreadConstraints: { mergeKeys: ['topologyKey', 'whenUnsatisfiable'] },
};

const podTemplate: TypeSchema = {
  metadata: { type: objectMeta },
  spec: { type: podSpec },
};

const withTemplate: TypeSchema = { template: { type: podTemplate } };

const statusConditions: TypeSchema = { conditions: { mergeKeys: ['type'] } };

function resource(spec: TypeSchema): TypeSchema {
  return {
    metadata: { type: objectMeta },
    spec: { type: spec },
    status: { type: statusConditions },
  };
}

/** Schemas of the built-in kinds, by kind. */
const builtinKinds: Readonly<Record<string, TypeSchema>> = {
  Pod: resource(podSpec),
  PodTemplate: { metadata: { type: objectMeta }, template: { type: podTemplate } },
  Deployment: resource(withTemplate),
  ReplicaSet: resource(withTemplate),
  DaemonSet: resource(withTemplate),
  StatefulSet: resource(withTemplate),
  ReplicationController: resource(withTemplate),
  Job: resource(withTemplate),
  CronJob: resource({
    jobTemplate: { type: { metadata: { type: objectMeta }, spec: { type: withTemplate } } },
  }),
  Service: resource({ ports: { mergeKeys: ['port', 'protocol'] } }),
  ConfigMap: { metadata: { type: objectMeta } },
  Secret: { metadata: { type: objectMeta } },
  ServiceAccount: {
    metadata: { type: objectMeta },
    secrets: { mergeKeys: ['name'] },
    imagePullSecrets: { mergeKeys: ['name'] },
  },
  Namespace: resource({}),
  Ingress: resource({}),
  PersistentVolumeClaim: resource({}),
  PersistentVolume: resource({}),
  HorizontalPodAutoscaler: resource({}),
  PodDisruptionBudget: resource({}),
  NetworkPolicy: resource({}),
  Role: { metadata: { type: objectMeta } },
  ClusterRole: { metadata: { type: objectMeta } },
  RoleBinding: { metadata: { type: objectMeta } },
  ClusterRoleBinding: { metadata: { type: objectMeta } },
  Endpoints: { metadata: { type: objectMeta } },
  LimitRange: resource({}),
  ResourceQuota: resource({}),
  StorageClass: { metadata: { type: objectMeta } },
  PriorityClass: { metadata: { type: objectMeta } },
  CustomResourceDefinition: resource({}),
};

/** The built-in groups whose kinds carry a schema (a same-named custom kind does not). */
const builtinGroups = new Set([
  '',
  'apps',
  'batch',
  'policy',
  'autoscaling',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'scheduling.k8s.io',
  'apiextensions.k8s.io',
  'extensions',
]);

/** The schema of a kind, or undefined for custom resources (merged as JSON merge patches). */
export function schemaFor(group: string, kind: string): TypeSchema | undefined {
  if (!builtinGroups.has(group)) return undefined;
  return ownField(builtinKinds, kind);
}

/**
 * How a field merges: looked up among the schema's own fields only, so a resource's
 * `constructor` or `__proto__` field is never mistaken for an Object.prototype member.
 */
export function fieldOf(schema: TypeSchema | undefined, key: string): FieldSchema | undefined {
  return schema === undefined ? undefined : ownField(schema, key);
}

function ownField<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

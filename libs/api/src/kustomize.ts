// kustomize.toolkit.fluxcd.io: Kustomization. v1 is stored; with conversion `None` the stored
// object is pruned by the v1 schema, so v1 also carries the fields v1 removed (validation,
// patchesStrategicMerge, patchesJson6902) and every version shares one schema.
import Type, { type Static } from 'typebox';
import { servedVersions, type KindDefinition, type PrinterColumn } from './crd.js';
import {
  DependencyReferenceSchema,
  KubeConfigReferenceSchema,
  NamespacedObjectKindReferenceSchema,
  ResourceInventorySchema,
  statusSchema,
  credentialsSecretRef,
} from './meta.js';
import {
  AnyJson,
  Bool,
  Duration,
  FreeFormObject,
  Int64,
  Str,
  StringEnum,
  StringMap,
  Time,
  described,
} from './schema.js';

export const kustomizeGroup = 'kustomize.toolkit.fluxcd.io';

const optional = Type.Optional;

const KustomizationSourceReferenceSchema = Type.Object({
  apiVersion: optional(Str()),
  kind: StringEnum(['OCIRepository', 'GitRepository', 'Bucket', 'ExternalArtifact']),
  name: Str(),
  namespace: optional(Str()),
});

/** Which objects a patch applies to (kustomize's selector). */
export const PatchSelectorSchema = Type.Object({
  group: optional(Str()),
  version: optional(Str()),
  kind: optional(Str()),
  name: optional(Str()),
  namespace: optional(Str()),
  annotationSelector: optional(Str()),
  labelSelector: optional(Str()),
});

/** A strategic merge or JSON 6902 patch, in YAML or JSON. */
export const PatchSchema = Type.Object({
  patch: Str({ minLength: 1 }),
  target: optional(PatchSelectorSchema),
});
export type Patch = Static<typeof PatchSchema>;

/** kustomize's `images` entry. */
export const ImageSchema = Type.Object({
  name: Str(),
  newName: optional(Str()),
  newTag: optional(Str()),
  digest: optional(Str()),
});

const HealthCheckExpressionSchema = Type.Object({
  apiVersion: Str(),
  kind: optional(
    Str({ description: "Kind judged; when unset, every kind of the apiVersion's group." }),
  ),
  current: Str({ description: 'CEL expression true when the object is healthy.' }),
  inProgress: optional(Str()),
  failed: optional(Str()),
});

const PostBuildSchema = Type.Object({
  substitute: optional(StringMap({ description: 'Variables replacing ${var} in the output.' })),
  substituteStrategy: optional(
    StringEnum(['WithVariables', 'Always'], {
      description:
        'WithVariables substitutes only when at least one variable is defined; Always substitutes even with none.',
    }),
  ),
  substituteFrom: optional(
    Type.Array(
      Type.Object({
        kind: StringEnum(['Secret', 'ConfigMap']),
        name: Str({ minLength: 1, maxLength: 253 }),
        optional: optional(Bool({ default: false })),
      }),
    ),
  ),
});

const DecryptionSchema = Type.Object({
  provider: StringEnum(['sops']),
  secretRef: credentialsSecretRef(),
  serviceAccountName: optional(Str({ description: 'ServiceAccount whose identity is used.' })),
});

/** JSON pointers drift detection and apply leave alone, on the objects the target selects. */
export const DriftIgnoreRuleSchema = Type.Object({
  paths: Type.Array(Str()),
  target: optional(PatchSelectorSchema),
});

const CommonMetadataSchema = Type.Object({
  annotations: optional(StringMap()),
  labels: optional(StringMap()),
});

const JSON6902OperationSchema = Type.Object({
  op: StringEnum(['test', 'remove', 'add', 'replace', 'move', 'copy']),
  path: Str(),
  from: optional(Str()),
  value: optional(AnyJson()),
});

const kustomizationV1Fields = {
  sourceRef: described(KustomizationSourceReferenceSchema, 'The source whose artifact is built.'),
  path: optional(Str({ description: 'Directory in the artifact holding kustomization.yaml.' })),
  interval: Duration(),
  retryInterval: optional(
    Duration({ description: 'Retry period after a failure; interval when unset.' }),
  ),
  timeout: optional(Duration({ description: 'Bound of build, apply and health checks.' })),
  prune: Bool({ description: 'Delete objects that were applied before and are gone now.' }),
  deletionPolicy: optional(
    StringEnum(['MirrorPrune', 'Delete', 'WaitForTermination', 'Orphan'], {
      description: 'What happens to applied objects when the Kustomization is deleted.',
    }),
  ),
  wait: optional(Bool({ description: 'Wait for every applied object to become ready.' })),
  healthChecks: optional(Type.Array(NamespacedObjectKindReferenceSchema)),
  healthCheckExprs: optional(Type.Array(HealthCheckExpressionSchema)),
  dependsOn: optional(Type.Array(DependencyReferenceSchema)),
  targetNamespace: optional(
    Str({ minLength: 1, maxLength: 63, description: 'Namespace set on every namespaced object.' }),
  ),
  namePrefix: optional(Str({ minLength: 1, maxLength: 200 })),
  nameSuffix: optional(Str({ minLength: 1, maxLength: 200 })),
  commonMetadata: optional(CommonMetadataSchema),
  patches: optional(Type.Array(PatchSchema)),
  images: optional(Type.Array(ImageSchema)),
  components: optional(
    Type.Array(Str(), { description: 'Kustomize components added to the build.' }),
  ),
  ignoreMissingComponents: optional(Bool()),
  postBuild: optional(PostBuildSchema),
  serviceAccountName: optional(Str({ description: 'ServiceAccount impersonated when applying.' })),
  kubeConfig: optional(KubeConfigReferenceSchema),
  force: optional(
    Bool({ default: false, description: 'Recreate objects whose immutable fields changed.' }),
  ),
  suspend: optional(Bool({ description: 'Stop reconciling until this is false again.' })),
  decryption: optional(DecryptionSchema),
  ignore: optional(
    Type.Array(DriftIgnoreRuleSchema, {
      description: 'Fields drift detection and apply leave alone (JSON pointers per target).',
    }),
  ),
  buildMetadata: optional(
    Type.Array(Str(), {
      description:
        'kustomize buildMetadata options set on the top-level kustomization (originAnnotations, transformerAnnotations, managedByLabel).',
    }),
  ),
  validation: optional(
    StringEnum(['none', 'client', 'server'], {
      description: 'Deprecated and ignored: the API server validates on server-side apply.',
    }),
  ),
  patchesStrategicMerge: optional(
    Type.Array(FreeFormObject(), { description: 'Deprecated: use patches.' }),
  ),
  patchesJson6902: optional(
    Type.Array(
      Type.Object({
        patch: Type.Array(JSON6902OperationSchema),
        target: PatchSelectorSchema,
      }),
      { description: 'Deprecated: use patches.' },
    ),
  ),
};

const KustomizationSpecSchema = Type.Object(kustomizationV1Fields);
export type KustomizationSpec = Static<typeof KustomizationSpecSchema>;

/** One entry of the reconcile history: what was applied and how it went. */
const SnapshotSchema = Type.Object({
  digest: Str(),
  firstReconciled: Time(),
  lastReconciled: Time(),
  lastReconciledDuration: Str(),
  lastReconciledStatus: Str(),
  totalReconciliations: Int64(),
  metadata: optional(StringMap()),
});

const KustomizationStatusSchema = statusSchema({
  lastAppliedRevision: optional(Str()),
  lastAppliedOriginRevision: optional(Str()),
  lastAttemptedRevision: optional(Str()),
  inventory: optional(ResourceInventorySchema),
  history: optional(Type.Array(SnapshotSchema)),
});
export type KustomizationStatus = Static<typeof KustomizationStatusSchema>;

const kustomizationColumns: readonly PrinterColumn[] = [
  { name: 'Revision', type: 'string', jsonPath: '.status.lastAppliedRevision' },
];

export const kustomizationDefinition: KindDefinition = {
  group: kustomizeGroup,
  kind: 'Kustomization',
  plural: 'kustomizations',
  singular: 'kustomization',
  shortNames: ['ks'],
  description: 'A kustomize overlay from a source artifact, applied and kept in sync.',
  versions: servedVersions(
    'Kustomization',
    'v1',
    {
      spec: KustomizationSpecSchema,
      status: KustomizationStatusSchema,
      columns: kustomizationColumns,
    },
    ['v1beta2', 'v1beta1'],
  ),
};

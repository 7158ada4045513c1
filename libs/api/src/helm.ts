// helm.toolkit.fluxcd.io: HelmRelease. v2 is stored; with conversion `None` the stored object
// is pruned by the v2 schema, so v2 also carries what v2 removed (valuesFile, post-renderer
// patchesStrategicMerge/patchesJson6902) and a v2beta1 manifest applies and keeps its fields.
import Type, { type Static } from 'typebox';
import { servedVersions, type KindDefinition, type PrinterColumn } from './crd.js';
import {
  DependencyReferenceSchema,
  KubeConfigReferenceSchema,
  OciVerificationSchema,
  ResourceInventorySchema,
  statusSchema,
} from './meta.js';
import { DriftIgnoreRuleSchema, ImageSchema, PatchSchema } from './kustomize.js';
import {
  Bool,
  Duration,
  FreeFormObject,
  Int32,
  Int64,
  Str,
  StringEnum,
  StringMap,
  Time,
  exactlyOneOf,
  rules,
  described,
} from './schema.js';

export const helmGroup = 'helm.toolkit.fluxcd.io';

const optional = Type.Optional;
// Helm timeouts may run for hours (long hooks), unlike source fetch timeouts.
const helmTimeout = () => Duration();
const crdsPolicy = () => optional(StringEnum(['Skip', 'Create', 'CreateReplace']));

const HelmChartTemplateSchema = Type.Object({
  metadata: optional(
    Type.Object({ labels: optional(StringMap()), annotations: optional(StringMap()) }),
  ),
  spec: Type.Object({
    chart: Str({ minLength: 1, maxLength: 2048 }),
    version: optional(Str({ default: '*' })),
    sourceRef: Type.Object({
      apiVersion: optional(Str()),
      kind: StringEnum(['HelmRepository', 'GitRepository', 'Bucket']),
      name: Str({ minLength: 1, maxLength: 253 }),
      namespace: optional(Str({ minLength: 1, maxLength: 63 })),
    }),
    interval: optional(Duration()),
    reconcileStrategy: optional(
      StringEnum(['ChartVersion', 'Revision'], { default: 'ChartVersion' }),
    ),
    valuesFiles: optional(Type.Array(Str())),
    valuesFile: optional(Str({ description: 'Deprecated (v2beta1): use valuesFiles.' })),
    ignoreMissingValuesFiles: optional(Bool()),
    verify: optional(described(OciVerificationSchema, 'Check the signature before use.')),
  }),
});

const ChartReferenceSchema = Type.Object({
  apiVersion: optional(Str()),
  kind: StringEnum(['OCIRepository', 'HelmChart', 'ExternalArtifact']),
  name: Str({ minLength: 1, maxLength: 253 }),
  namespace: optional(Str({ minLength: 1, maxLength: 63 })),
});

const ValuesReferenceSchema = Type.Object({
  kind: StringEnum(['Secret', 'ConfigMap']),
  name: Str({ minLength: 1, maxLength: 253 }),
  valuesKey: optional(Str({ maxLength: 253, pattern: '^[\\-._a-zA-Z0-9]+$' })),
  targetPath: optional(
    Str({ maxLength: 250, pattern: '^([a-zA-Z0-9_\\-.\\\\\\/]|\\[[0-9]{1,5}\\])+$' }),
  ),
  optional: optional(Bool()),
  literal: optional(
    Bool({ description: 'Use the value at targetPath as a literal string, not parsed.' }),
  ),
});

/** A CEL health check over the release's objects; without kind it covers the whole group. */
const HelmHealthCheckExpressionSchema = Type.Object({
  apiVersion: Str(),
  kind: optional(Str()),
  current: Str({ description: 'CEL expression true when the object is healthy.' }),
  inProgress: optional(Str()),
  failed: optional(Str()),
});

/** `install.remediation` and `upgrade.remediation` share these; upgrade adds a strategy. */
const remediationFields = {
  retries: optional(Int32({ description: 'Negative means retry forever.' })),
  ignoreTestFailures: optional(Bool()),
  remediateLastFailure: optional(Bool()),
};

/** `install.strategy` and `upgrade.strategy`: what to do after a failed action. */
const ActionStrategySchema = Type.Object({
  name: StringEnum(['RemediateOnFailure', 'RetryOnFailure']),
  retryInterval: optional(Duration()),
});

/** The switches install and upgrade both take. */
const actionFlags = {
  disableWait: optional(Bool()),
  disableWaitForJobs: optional(Bool()),
  disableHooks: optional(Bool()),
  disableOpenAPIValidation: optional(Bool()),
  disableSchemaValidation: optional(Bool()),
};

/** How upgrade and rollback apply objects (Helm 4 `--server-side`); auto follows the release. */
const serverSideApplyMode = () => optional(StringEnum(['enabled', 'disabled', 'auto']));

/** Flux 2.5: leave objects another owner holds alone instead of adopting them. */
const disableTakeOwnership = () =>
  optional(Bool({ description: 'Do not adopt existing objects that the release does not own.' }));

const InstallSchema = Type.Object({
  timeout: optional(helmTimeout()),
  remediation: optional(Type.Object(remediationFields)),
  strategy: optional(ActionStrategySchema),
  ...actionFlags,
  replace: optional(Bool()),
  skipCRDs: optional(Bool()),
  crds: crdsPolicy(),
  createNamespace: optional(Bool()),
  serverSideApply: optional(Bool({ description: 'Apply the objects with server-side apply.' })),
  disableTakeOwnership: disableTakeOwnership(),
});

const UpgradeSchema = Type.Object({
  timeout: optional(helmTimeout()),
  remediation: optional(
    Type.Object({
      ...remediationFields,
      strategy: optional(StringEnum(['rollback', 'uninstall'])),
    }),
  ),
  strategy: optional(ActionStrategySchema),
  ...actionFlags,
  force: optional(Bool()),
  preserveValues: optional(Bool()),
  cleanupOnFail: optional(Bool()),
  crds: crdsPolicy(),
  serverSideApply: serverSideApplyMode(),
  disableTakeOwnership: disableTakeOwnership(),
  chartNameChangeStrategy: optional(
    StringEnum(['InPlaceUpdate', 'Reinstall'], {
      description: 'What a new chart name does: upgrade in place, or uninstall and install.',
    }),
  ),
});

const TestSchema = Type.Object({
  enable: optional(Bool()),
  timeout: optional(helmTimeout()),
  ignoreFailures: optional(Bool()),
  filters: optional(
    Type.Array(Type.Object({ name: Str({ minLength: 1 }), exclude: optional(Bool()) })),
  ),
});

const RollbackSchema = Type.Object({
  timeout: optional(helmTimeout()),
  disableWait: optional(Bool()),
  disableWaitForJobs: optional(Bool()),
  disableHooks: optional(Bool()),
  recreate: optional(Bool()),
  force: optional(Bool()),
  cleanupOnFail: optional(Bool()),
  serverSideApply: serverSideApplyMode(),
});

const UninstallSchema = Type.Object({
  timeout: optional(helmTimeout()),
  disableHooks: optional(Bool()),
  keepHistory: optional(Bool()),
  disableWait: optional(Bool()),
  deletionPropagation: optional(
    StringEnum(['background', 'foreground', 'orphan'], { default: 'background' }),
  ),
});

const DriftDetectionSchema = Type.Object({
  mode: optional(StringEnum(['enabled', 'warn', 'disabled'])),
  ignore: optional(Type.Array(DriftIgnoreRuleSchema)),
});

const PostRendererSchema = Type.Object({
  kustomize: optional(
    Type.Object({
      patches: optional(Type.Array(PatchSchema)),
      images: optional(Type.Array(ImageSchema)),
      patchesStrategicMerge: optional(
        Type.Array(FreeFormObject(), { description: 'Deprecated (v2beta1): use patches.' }),
      ),
      patchesJson6902: optional(
        Type.Array(FreeFormObject(), { description: 'Deprecated (v2beta1): use patches.' }),
      ),
    }),
  ),
});

const helmReleaseV2Fields = {
  chart: optional(
    described(HelmChartTemplateSchema, 'Template of the HelmChart made for this release.'),
  ),
  chartRef: optional(
    described(ChartReferenceSchema, 'An existing source holding the chart (instead of chart).'),
  ),
  interval: Duration(),
  kubeConfig: optional(KubeConfigReferenceSchema),
  suspend: optional(Bool({ description: 'Stop reconciling until this is false again.' })),
  releaseName: optional(
    Str({
      minLength: 1,
      maxLength: 53,
      description: 'Helm release name; [targetNamespace-]name when unset.',
    }),
  ),
  targetNamespace: optional(Str({ minLength: 1, maxLength: 63 })),
  storageNamespace: optional(Str({ minLength: 1, maxLength: 63 })),
  dependsOn: optional(Type.Array(DependencyReferenceSchema)),
  timeout: optional(helmTimeout()),
  maxHistory: optional(
    Int32({ minimum: 0, description: 'Release revisions Helm keeps; 0 keeps all.' }),
  ),
  serviceAccountName: optional(Str({ minLength: 1, maxLength: 253 })),
  persistentClient: optional(Bool()),
  driftDetection: optional(DriftDetectionSchema),
  install: optional(InstallSchema),
  upgrade: optional(UpgradeSchema),
  test: optional(TestSchema),
  rollback: optional(RollbackSchema),
  uninstall: optional(UninstallSchema),
  valuesFrom: optional(
    Type.Array(ValuesReferenceSchema, {
      description: 'ConfigMaps and Secrets merged, in order, into the values.',
    }),
  ),
  values: optional(FreeFormObject({ description: 'Helm values, merged over valuesFrom.' })),
  postRenderers: optional(Type.Array(PostRendererSchema)),
  commonMetadata: optional(
    Type.Object({ labels: optional(StringMap()), annotations: optional(StringMap()) }),
  ),
  postRenderStrategy: optional(
    StringEnum(['nohooks', 'combined', 'separate'], {
      description: 'Which rendered manifests go through postRenderers: hooks too or not.',
    }),
  ),
  healthCheckExprs: optional(Type.Array(HelmHealthCheckExpressionSchema)),
  waitStrategy: optional(
    Type.Object(
      { name: StringEnum(['poller', 'legacy']) },
      {
        description: 'How Helm waits for the objects to become ready.',
      },
    ),
  ),
};

const chartOrChartRef = exactlyOneOf('spec', ['chart', 'chartRef']);

const HelmReleaseSpecSchema = Type.Object(helmReleaseV2Fields, rules(chartOrChartRef));
export type HelmReleaseSpec = Static<typeof HelmReleaseSpecSchema>;

/** One Helm release revision as helm-controller observed it. */
const SnapshotSchema = Type.Object({
  apiVersion: optional(Str()),
  digest: Str(),
  name: Str(),
  namespace: Str(),
  version: Int32(),
  status: Str(),
  chartName: Str(),
  chartVersion: Str(),
  appVersion: optional(Str()),
  configDigest: Str(),
  firstDeployed: Time(),
  lastDeployed: Time(),
  deleted: optional(Time()),
  testHooks: optional(
    Type.Unsafe<Record<string, { lastStarted?: string; lastCompleted?: string; phase?: string }>>({
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: {
          lastStarted: { type: 'string', format: 'date-time' },
          lastCompleted: { type: 'string', format: 'date-time' },
          phase: { type: 'string' },
        },
      },
    }),
  ),
  ociDigest: optional(Str()),
});

const HelmReleaseStatusSchema = statusSchema({
  observedPostRenderersDigest: optional(Str()),
  observedCommonMetadataDigest: optional(Str()),
  lastAttemptedGeneration: optional(Int64()),
  helmChart: optional(Str({ description: 'namespace/name of the HelmChart made for spec.chart.' })),
  storageNamespace: optional(Str()),
  history: optional(Type.Array(SnapshotSchema)),
  lastAttemptedReleaseAction: optional(StringEnum(['install', 'upgrade'])),
  failures: optional(Int64()),
  installFailures: optional(Int64()),
  upgradeFailures: optional(Int64()),
  lastAttemptedRevision: optional(Str()),
  lastAttemptedRevisionDigest: optional(Str()),
  lastAttemptedValuesChecksum: optional(Str()),
  lastAttemptedConfigDigest: optional(Str()),
  lastHandledForceAt: optional(Str()),
  lastHandledResetAt: optional(Str()),
  inventory: optional(ResourceInventorySchema),
  lastAppliedRevision: optional(Str({ description: 'Deprecated (v2beta1).' })),
  lastReleaseRevision: optional(Int64({ description: 'Deprecated (v2beta1).' })),
});
export type HelmReleaseStatus = Static<typeof HelmReleaseStatusSchema>;

const helmReleaseColumns: readonly PrinterColumn[] = [
  { name: 'Revision', type: 'string', jsonPath: '.status.lastAttemptedRevision' },
];

export const helmReleaseDefinition: KindDefinition = {
  group: helmGroup,
  kind: 'HelmRelease',
  plural: 'helmreleases',
  singular: 'helmrelease',
  shortNames: ['hr'],
  description: 'A Helm release installed from a chart and kept in sync.',
  versions: servedVersions(
    'HelmRelease',
    'v2',
    { spec: HelmReleaseSpecSchema, status: HelmReleaseStatusSchema, columns: helmReleaseColumns },
    ['v2beta2', 'v2beta1'],
  ),
};

// source.toolkit.fluxcd.io: GitRepository, HelmRepository, HelmChart, OCIRepository, Bucket.
// Conversion is `None` and the API server prunes every stored object with the storage (v1)
// schema, so v1 also carries the fields older versions had and v1 dropped (marked
// deprecated): a v1beta2 manifest keeps all of its fields. Older versions differ only where
// they were laxer.
import Type, { type Static } from 'typebox';
import { servedVersions, type KindDefinition, type PrinterColumn } from './crd.js';
import {
  AccessFromSchema,
  ArtifactSchema,
  LocalObjectReferenceSchema,
  OciVerificationSchema,
  statusSchema,
  credentialsSecretRef,
  certSecretRef,
  proxySecretRef,
} from './meta.js';
import { Bool, Duration, Str, StringEnum, Timeout, described, rules } from './schema.js';

export const sourceGroup = 'source.toolkit.fluxcd.io';

const revisionColumn: PrinterColumn = {
  name: 'Revision',
  type: 'string',
  jsonPath: '.status.artifact.revision',
};
const urlColumn: PrinterColumn = { name: 'URL', type: 'string', jsonPath: '.spec.url' };

const interval = () => Duration({ description: 'How often the source is checked for changes.' });
const timeout60s = () => Timeout({ default: '60s', description: 'Timeout of one fetch.' });
const optional = Type.Optional;

// ---------------------------------------------------------------------------------------------
// GitRepository

const GitRepositoryRefSchema = Type.Object({
  branch: optional(Str({ description: 'Branch to check out; master when no ref is set.' })),
  tag: optional(Str({ description: 'Tag to check out; wins over branch.' })),
  semver: optional(Str({ description: 'SemVer range of tags; wins over tag.' })),
  name: optional(
    Str({ description: 'Full reference name, e.g. refs/pull/1/head; wins over semver.' }),
  ),
  commit: optional(
    Str({ description: 'Commit SHA; wins over everything, may be combined with branch.' }),
  ),
});
export type GitRepositoryRef = Static<typeof GitRepositoryRefSchema>;

const GitRepositoryIncludeSchema = Type.Object({
  repository: LocalObjectReferenceSchema,
  fromPath: optional(Str()),
  toPath: optional(Str()),
});

const gitUrl = () =>
  Str({
    pattern: '^(http|https|ssh)://.*$',
    description: 'Repository address (http, https or ssh).',
  });

const gitRepositoryV1Fields = {
  url: gitUrl(),
  secretRef: credentialsSecretRef(),
  provider: optional(
    StringEnum(['generic', 'aws', 'azure', 'github'], {
      description: 'Who issues the credentials: a Secret (generic) or a cloud/GitHub App identity.',
    }),
  ),
  serviceAccountName: optional(Str({ description: 'Workload identity; aws and azure only.' })),
  interval: interval(),
  timeout: optional(timeout60s()),
  ref: optional(
    described(GitRepositoryRefSchema, 'What to check out; the default branch when unset.'),
  ),
  verify: optional(
    Type.Object({
      mode: optional(
        StringEnum(['head', 'HEAD', 'Tag', 'TagAndHEAD'], {
          default: 'HEAD',
          description: 'What to verify: the checked-out commit, the tag, or both.',
        }),
      ),
      secretRef: described(LocalObjectReferenceSchema, 'Secret with the trusted public keys.'),
    }),
  ),
  proxySecretRef: proxySecretRef(),
  ignore: optional(Str({ description: '.gitignore-style patterns excluded from the artifact.' })),
  suspend: optional(Bool({ description: 'Stop reconciling until this is false again.' })),
  recurseSubmodules: optional(Bool({ description: 'Also check out the submodules.' })),
  include: optional(
    Type.Array(GitRepositoryIncludeSchema, {
      description: 'Artifacts of other GitRepositories copied into this one.',
    }),
  ),
  sparseCheckout: optional(
    Type.Array(Str(), { description: 'Only these directories are checked out.' }),
  ),
  gitImplementation: optional(
    StringEnum(['go-git', 'libgit2'], {
      description: 'Deprecated (v1beta2): Tide has one Git client.',
    }),
  ),
  accessFrom: optional(
    described(AccessFromSchema, 'Deprecated: namespaces allowed to refer to this object.'),
  ),
};

const serviceAccountNeedsCloudProvider = rules({
  rule: "!has(self.serviceAccountName) || (has(self.provider) && (self.provider == 'azure' || self.provider == 'aws'))",
  message: "spec.serviceAccountName can only be set when spec.provider is 'azure' or 'aws'",
  fieldPath: '.serviceAccountName',
});

const GitRepositorySpecSchema = Type.Object(
  gitRepositoryV1Fields,
  serviceAccountNeedsCloudProvider,
);
export type GitRepositorySpec = Static<typeof GitRepositorySpecSchema>;

// v1beta1 let verify.secretRef out (a v1 reader then sees no key to verify with).
const GitRepositoryV1beta1SpecSchema = Type.Object(
  {
    ...gitRepositoryV1Fields,
    verify: optional(
      Type.Object({
        mode: optional(StringEnum(['head', 'HEAD', 'Tag', 'TagAndHEAD'], { default: 'HEAD' })),
        secretRef: optional(
          described(LocalObjectReferenceSchema, 'Secret holding the credentials.'),
        ),
      }),
    ),
  },
  serviceAccountNeedsCloudProvider,
);

const GitRepositoryStatusSchema = statusSchema({
  artifact: optional(ArtifactSchema),
  includedArtifacts: optional(Type.Array(ArtifactSchema)),
  observedIgnore: optional(Str()),
  observedRecurseSubmodules: optional(Bool()),
  observedInclude: optional(Type.Array(GitRepositoryIncludeSchema)),
  observedSparseCheckout: optional(Type.Array(Str())),
  sourceVerificationMode: optional(Str()),
  url: optional(Str({ description: 'Deprecated: the artifact URL, kept for v1beta readers.' })),
  contentConfigChecksum: optional(Str({ description: 'Deprecated (v1beta2).' })),
});
export type GitRepositoryStatus = Static<typeof GitRepositoryStatusSchema>;

export const gitRepositoryDefinition: KindDefinition = {
  group: sourceGroup,
  kind: 'GitRepository',
  plural: 'gitrepositories',
  singular: 'gitrepository',
  shortNames: ['gitrepo'],
  description: 'A Git repository that source-controller fetches and publishes as an artifact.',
  versions: servedVersions(
    'GitRepository',
    'v1',
    {
      spec: GitRepositorySpecSchema,
      status: GitRepositoryStatusSchema,
      columns: [urlColumn, revisionColumn],
    },
    ['v1beta2', { name: 'v1beta1', spec: GitRepositoryV1beta1SpecSchema }],
  ),
};

// ---------------------------------------------------------------------------------------------
// HelmRepository

const helmRepositoryV1Fields = {
  url: Str({
    pattern: '^(http|https|oci)://.*$',
    description: 'Chart repository address; oci:// when type is oci.',
  }),
  secretRef: credentialsSecretRef(),
  certSecretRef: certSecretRef(),
  passCredentials: optional(
    Bool({ description: 'Send the credentials to chart hosts other than the index host too.' }),
  ),
  interval: optional(interval()),
  insecure: optional(
    Bool({
      description:
        'Plain HTTP to an OCI registry; for an HTTP repository, lets credentials go over plain http:// (Tide refuses them otherwise).',
    }),
  ),
  timeout: optional(Timeout()),
  suspend: optional(Bool({ description: 'Stop reconciling until this is false again.' })),
  accessFrom: optional(
    described(AccessFromSchema, 'Deprecated: namespaces allowed to refer to this object.'),
  ),
  type: optional(
    StringEnum(['default', 'oci'], { description: 'An HTTP index (default) or an OCI registry.' }),
  ),
  provider: optional(StringEnum(['generic', 'aws', 'azure', 'gcp'], { default: 'generic' })),
};

const HelmRepositorySpecSchema = Type.Object(helmRepositoryV1Fields, {
  ...rules({
    rule: "!has(self.type) || self.type != 'oci' || self.url.startsWith('oci://')",
    message: "spec.url must start with oci:// when spec.type is 'oci'",
    fieldPath: '.url',
  }),
});
export type HelmRepositorySpec = Static<typeof HelmRepositorySpecSchema>;

const HelmRepositoryStatusSchema = statusSchema({
  url: optional(Str({ description: 'Address of the repository index in storage.' })),
  artifact: optional(ArtifactSchema),
});
export type HelmRepositoryStatus = Static<typeof HelmRepositoryStatusSchema>;

export const helmRepositoryDefinition: KindDefinition = {
  group: sourceGroup,
  kind: 'HelmRepository',
  plural: 'helmrepositories',
  singular: 'helmrepository',
  shortNames: ['helmrepo'],
  description: 'A Helm chart repository (HTTP index or OCI registry).',
  versions: servedVersions(
    'HelmRepository',
    'v1',
    {
      spec: HelmRepositorySpecSchema,
      status: HelmRepositoryStatusSchema,
      columns: [urlColumn, revisionColumn],
    },
    ['v1beta2', 'v1beta1'],
  ),
};

// ---------------------------------------------------------------------------------------------
// HelmChart

const HelmChartSourceReferenceSchema = Type.Object({
  apiVersion: optional(Str()),
  kind: StringEnum(['HelmRepository', 'GitRepository', 'Bucket']),
  name: Str(),
});

const helmChartV1Fields = {
  chart: Str({ description: 'Chart name (repository) or path (Git, Bucket).' }),
  version: optional(Str({ default: '*', description: 'SemVer range of the chart version.' })),
  sourceRef: HelmChartSourceReferenceSchema,
  interval: interval(),
  reconcileStrategy: optional(
    StringEnum(['ChartVersion', 'Revision'], { default: 'ChartVersion' }),
  ),
  valuesFiles: optional(
    Type.Array(Str(), { description: 'Values files merged, in order, into the packaged chart.' }),
  ),
  ignoreMissingValuesFiles: optional(Bool({ description: 'Skip values files that do not exist.' })),
  suspend: optional(Bool({ description: 'Stop reconciling until this is false again.' })),
  verify: optional(described(OciVerificationSchema, 'Check the signature before use.')),
  valuesFile: optional(Str({ description: 'Deprecated (v1beta2): use valuesFiles.' })),
  accessFrom: optional(
    described(AccessFromSchema, 'Deprecated: namespaces allowed to refer to this object.'),
  ),
};

const HelmChartSpecSchema = Type.Object(helmChartV1Fields);
export type HelmChartSpec = Static<typeof HelmChartSpecSchema>;

const HelmChartStatusSchema = statusSchema({
  observedSourceArtifactRevision: optional(Str()),
  observedChartName: optional(Str()),
  observedValuesFiles: optional(Type.Array(Str())),
  url: optional(Str()),
  artifact: optional(ArtifactSchema),
});
export type HelmChartStatus = Static<typeof HelmChartStatusSchema>;

const helmChartColumns: readonly PrinterColumn[] = [
  { name: 'Chart', type: 'string', jsonPath: '.spec.chart' },
  { name: 'Version', type: 'string', jsonPath: '.spec.version' },
  { name: 'Source Kind', type: 'string', jsonPath: '.spec.sourceRef.kind' },
  { name: 'Source Name', type: 'string', jsonPath: '.spec.sourceRef.name' },
  revisionColumn,
];

export const helmChartDefinition: KindDefinition = {
  group: sourceGroup,
  kind: 'HelmChart',
  plural: 'helmcharts',
  singular: 'helmchart',
  shortNames: ['hc'],
  description: 'A Helm chart fetched from a HelmRepository, GitRepository or Bucket.',
  versions: servedVersions(
    'HelmChart',
    'v1',
    { spec: HelmChartSpecSchema, status: HelmChartStatusSchema, columns: helmChartColumns },
    ['v1beta2', 'v1beta1'],
  ),
};

// ---------------------------------------------------------------------------------------------
// OCIRepository

const OCIRepositoryRefSchema = Type.Object({
  digest: optional(Str({ description: 'Image digest; wins over semver and tag.' })),
  semver: optional(Str()),
  semverFilter: optional(Str({ description: 'Regular expression pre-filtering semver tags.' })),
  tag: optional(Str()),
});

const OCILayerSelectorSchema = Type.Object({
  mediaType: optional(Str()),
  operation: optional(StringEnum(['extract', 'copy'])),
});

/** OCIRepository's `verify`: the shared policy, plus a Sigstore trusted root (Flux 2.9). */
const OCIRepositoryVerificationSchema = Type.Object({
  ...OciVerificationSchema.properties,
  trustedRootSecretRef: optional(
    described(
      LocalObjectReferenceSchema,
      'Secret with a Sigstore trusted_root.json, for self-hosted Fulcio and Rekor.',
    ),
  ),
});

const OCIRepositorySpecSchema = Type.Object({
  url: Str({ pattern: '^oci://.*$', description: 'Artifact address: oci://<host>/<path>.' }),
  ref: optional(described(OCIRepositoryRefSchema, 'Which tag or digest; latest when unset.')),
  layerSelector: optional(
    described(OCILayerSelectorSchema, 'Which layer to take; the first one when unset.'),
  ),
  provider: optional(StringEnum(['generic', 'aws', 'azure', 'gcp'], { default: 'generic' })),
  secretRef: credentialsSecretRef(),
  verify: optional(described(OCIRepositoryVerificationSchema, 'Check the signature before use.')),
  serviceAccountName: optional(Str({ description: 'ServiceAccount whose identity is used.' })),
  certSecretRef: certSecretRef(),
  proxySecretRef: proxySecretRef(),
  interval: interval(),
  timeout: optional(timeout60s()),
  ignore: optional(Str({ description: '.gitignore-style patterns left out of the artifact.' })),
  insecure: optional(Bool({ description: 'Allow plain HTTP to the server.' })),
  suspend: optional(Bool({ description: 'Stop reconciling until this is false again.' })),
});
export type OCIRepositorySpec = Static<typeof OCIRepositorySpecSchema>;

const OCIRepositoryStatusSchema = statusSchema({
  url: optional(Str()),
  artifact: optional(ArtifactSchema),
  contentConfigChecksum: optional(Str({ description: 'Deprecated (v1beta2).' })),
  observedIgnore: optional(Str()),
  observedLayerSelector: optional(OCILayerSelectorSchema),
});
export type OCIRepositoryStatus = Static<typeof OCIRepositoryStatusSchema>;

export const ociRepositoryDefinition: KindDefinition = {
  group: sourceGroup,
  kind: 'OCIRepository',
  plural: 'ocirepositories',
  singular: 'ocirepository',
  shortNames: ['ocirepo'],
  description: 'An OCI artifact in a container registry.',
  versions: servedVersions(
    'OCIRepository',
    'v1',
    {
      spec: OCIRepositorySpecSchema,
      status: OCIRepositoryStatusSchema,
      columns: [urlColumn, revisionColumn],
    },
    ['v1beta2'],
  ),
};

// ---------------------------------------------------------------------------------------------
// Bucket

const BucketSTSSpecSchema = Type.Object({
  provider: StringEnum(['aws', 'ldap']),
  endpoint: Str({ pattern: '^(http|https)://.*$' }),
  secretRef: credentialsSecretRef(),
  certSecretRef: certSecretRef(),
});

const bucketV1Fields = {
  provider: optional(StringEnum(['generic', 'aws', 'gcp', 'azure'], { default: 'generic' })),
  bucketName: Str({ minLength: 1 }),
  endpoint: Str({ minLength: 1, description: 'Host[:port] of the object store.' }),
  sts: optional(
    described(BucketSTSSpecSchema, 'Security Token Service issuing temporary credentials.'),
  ),
  insecure: optional(Bool({ description: 'Allow plain HTTP to the server.' })),
  region: optional(Str({ description: 'Region of the bucket, where the provider needs one.' })),
  prefix: optional(Str({ description: 'Only objects under this key prefix are fetched.' })),
  secretRef: credentialsSecretRef(),
  serviceAccountName: optional(Str({ description: 'Workload identity (aws, gcp, azure).' })),
  certSecretRef: certSecretRef(),
  proxySecretRef: proxySecretRef(),
  interval: interval(),
  timeout: optional(timeout60s()),
  ignore: optional(Str({ description: '.gitignore-style patterns left out of the artifact.' })),
  suspend: optional(Bool({ description: 'Stop reconciling until this is false again.' })),
  accessFrom: optional(
    described(AccessFromSchema, 'Deprecated: namespaces allowed to refer to this object.'),
  ),
};

// The provider defaults to generic, so `self.provider` is always set when these run.
const BucketSpecSchema = Type.Object(
  bucketV1Fields,
  rules(
    {
      rule: "!has(self.sts) || self.provider in ['aws', 'generic']",
      message: "spec.sts is only supported with spec.provider 'aws' or 'generic'",
      fieldPath: '.sts',
    },
    {
      rule: "!has(self.sts) || self.provider != 'aws' || self.sts.provider == 'aws'",
      message: "spec.sts.provider must be 'aws' when spec.provider is 'aws'",
      fieldPath: '.sts.provider',
    },
    {
      rule: "!has(self.sts) || self.provider != 'generic' || self.sts.provider == 'ldap'",
      message: "spec.sts.provider must be 'ldap' when spec.provider is 'generic'",
      fieldPath: '.sts.provider',
    },
    {
      rule: "!has(self.sts) || self.sts.provider != 'aws' || (!has(self.sts.secretRef) && !has(self.sts.certSecretRef))",
      message:
        "spec.sts.secretRef and spec.sts.certSecretRef are not used by the 'aws' STS provider",
      fieldPath: '.sts',
    },
    {
      rule: "!has(self.serviceAccountName) || self.provider != 'generic'",
      message: "spec.serviceAccountName is not supported with spec.provider 'generic'",
      fieldPath: '.serviceAccountName',
    },
    {
      rule: '!has(self.secretRef) || !has(self.serviceAccountName)',
      message: 'at most one of spec.secretRef and spec.serviceAccountName may be set',
      fieldPath: '.serviceAccountName',
    },
  ),
);
export type BucketSpec = Static<typeof BucketSpecSchema>;

const BucketStatusSchema = statusSchema({
  url: optional(Str()),
  artifact: optional(ArtifactSchema),
  observedIgnore: optional(Str()),
});
export type BucketStatus = Static<typeof BucketStatusSchema>;

const bucketColumns: readonly PrinterColumn[] = [
  { name: 'Endpoint', type: 'string', jsonPath: '.spec.endpoint' },
  revisionColumn,
];

export const bucketDefinition: KindDefinition = {
  group: sourceGroup,
  kind: 'Bucket',
  plural: 'buckets',
  singular: 'bucket',
  // Flux defines no short name for Bucket; `bkt` is Tide's.
  shortNames: ['bkt'],
  description: 'An S3-compatible (or GCS, Azure Blob) bucket.',
  versions: servedVersions(
    'Bucket',
    'v1',
    { spec: BucketSpecSchema, status: BucketStatusSchema, columns: bucketColumns },
    ['v1beta2', 'v1beta1'],
  ),
};

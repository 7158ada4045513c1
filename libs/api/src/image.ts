// image.toolkit.fluxcd.io: ImageRepository, ImagePolicy, ImageUpdateAutomation. v1 is stored;
// v1beta2 and v1beta1 accept the v1 fields plus their own. Status is one shape for every
// version: ImagePolicy keeps `latestImage` beside `latestRef` so v1beta readers still work.
import Type, { type Static } from 'typebox';
import { servedVersions, type KindDefinition, type PrinterColumn } from './crd.js';
import {
  AccessFromSchema,
  LabelSelectorSchema,
  LocalObjectReferenceSchema,
  NamespacedObjectReferenceSchema,
  statusSchema,
  credentialsSecretRef,
  certSecretRef,
  proxySecretRef,
} from './meta.js';
import {
  Bool,
  Duration,
  Int32,
  ObjectMap,
  Str,
  StringEnum,
  StringMap,
  Time,
  Timeout,
  exactlyOneOf,
  rules,
  described,
} from './schema.js';

export const imageGroup = 'image.toolkit.fluxcd.io';

const optional = Type.Optional;

// ---------------------------------------------------------------------------------------------
// ImageRepository

const imageRepositoryV1Fields = {
  image: Str({ minLength: 1, description: 'Image name without tag, e.g. ghcr.io/org/app.' }),
  interval: Duration(),
  timeout: optional(Timeout()),
  secretRef: credentialsSecretRef(),
  serviceAccountName: optional(Str({ maxLength: 253 })),
  certSecretRef: certSecretRef(),
  proxySecretRef: proxySecretRef(),
  accessFrom: optional(
    described(AccessFromSchema, 'Deprecated: namespaces allowed to refer to this object.'),
  ),
  suspend: optional(Bool({ description: 'Stop reconciling until this is false again.' })),
  exclusionList: optional(
    Type.Array(Str(), {
      default: ['^.*\\.sig$'],
      maxItems: 25,
      description: 'Regular expressions of tags never scanned.',
    }),
  ),
  provider: optional(StringEnum(['generic', 'aws', 'azure', 'gcp'], { default: 'generic' })),
  insecure: optional(Bool({ description: 'Allow plain HTTP to the server.' })),
};

const ImageRepositorySpecSchema = Type.Object(imageRepositoryV1Fields);
export type ImageRepositorySpec = Static<typeof ImageRepositorySpecSchema>;

const ImageRepositoryBetaSpecSchema = Type.Object({
  ...imageRepositoryV1Fields,
  // v1beta1 allowed an empty image and checked it at reconcile time.
  image: optional(Str()),
});

const ScanResultSchema = Type.Object({
  revision: optional(Str()),
  tagCount: Int32(),
  scanTime: optional(Time()),
  latestTags: optional(Type.Array(Str())),
});

const ImageRepositoryStatusSchema = statusSchema({
  canonicalImageName: optional(Str()),
  lastScanResult: optional(ScanResultSchema),
  observedExclusionList: optional(Type.Array(Str())),
});
export type ImageRepositoryStatus = Static<typeof ImageRepositoryStatusSchema>;

const imageRepositoryColumns: readonly PrinterColumn[] = [
  { name: 'Image', type: 'string', jsonPath: '.spec.image' },
  { name: 'Tags', type: 'integer', jsonPath: '.status.lastScanResult.tagCount' },
  { name: 'Last scan', type: 'string', jsonPath: '.status.lastScanResult.scanTime' },
];

export const imageRepositoryDefinition: KindDefinition = {
  group: imageGroup,
  kind: 'ImageRepository',
  plural: 'imagerepositories',
  singular: 'imagerepository',
  shortNames: ['imgrepo', 'imagerepo'],
  description: 'A container image repository whose tags are scanned.',
  versions: servedVersions(
    'ImageRepository',
    'v1',
    {
      spec: ImageRepositorySpecSchema,
      status: ImageRepositoryStatusSchema,
      columns: imageRepositoryColumns,
    },
    [
      { name: 'v1beta2', spec: ImageRepositoryBetaSpecSchema },
      { name: 'v1beta1', spec: ImageRepositoryBetaSpecSchema },
    ],
  ),
};

// ---------------------------------------------------------------------------------------------
// ImagePolicy

const order = () => optional(StringEnum(['asc', 'desc'], { default: 'asc' }));

const ImagePolicyChoiceSchema = Type.Object(
  {
    semver: optional(Type.Object({ range: Str({ minLength: 1 }) })),
    alphabetical: optional(Type.Object({ order: order() })),
    numerical: optional(Type.Object({ order: order() })),
  },
  rules(exactlyOneOf('spec.policy', ['semver', 'alphabetical', 'numerical'])),
);

const imagePolicyV1Fields = {
  imageRepositoryRef: described(
    NamespacedObjectReferenceSchema,
    'The ImageRepository whose tags are chosen from.',
  ),
  policy: described(ImagePolicyChoiceSchema, 'How tags are ordered; exactly one of the three.'),
  filterTags: optional(
    Type.Object({
      pattern: optional(Str({ description: 'Regular expression tags must match.' })),
      extract: optional(Str({ description: 'Replacement ($name) giving the value compared.' })),
    }),
  ),
  digestReflectionPolicy: optional(
    StringEnum(['Always', 'IfNotPresent', 'Never'], { default: 'Never' }),
  ),
  interval: optional(Duration({ description: 'Digest refresh period when policy is Always.' })),
  suspend: optional(Bool({ description: 'Stop reconciling until this is false again.' })),
};

const intervalOnlyWhenAlways = [
  {
    rule: "!has(self.interval) || (has(self.digestReflectionPolicy) && self.digestReflectionPolicy == 'Always')",
    message: "spec.interval is only accepted when spec.digestReflectionPolicy is 'Always'",
    fieldPath: '.interval',
  },
  {
    rule: "has(self.interval) || !has(self.digestReflectionPolicy) || self.digestReflectionPolicy != 'Always'",
    message: "spec.interval must be set when spec.digestReflectionPolicy is 'Always'",
    fieldPath: '.interval',
  },
];

const ImagePolicySpecSchema = Type.Object(imagePolicyV1Fields, rules(...intervalOnlyWhenAlways));
export type ImagePolicySpec = Static<typeof ImagePolicySpecSchema>;

const ImageRefSchema = Type.Object({
  name: Str({ description: 'Image name without tag.' }),
  tag: Str(),
  digest: optional(Str()),
});
export type ImageRef = Static<typeof ImageRefSchema>;

const ImagePolicyStatusSchema = statusSchema({
  latestRef: optional(ImageRefSchema),
  observedPreviousRef: optional(ImageRefSchema),
  latestImage: optional(
    Str({ description: 'name:tag of latestRef, written for v1beta1/v1beta2 readers.' }),
  ),
  observedPreviousImage: optional(
    Str({ description: 'name:tag of observedPreviousRef, written for v1beta readers.' }),
  ),
});
export type ImagePolicyStatus = Static<typeof ImagePolicyStatusSchema>;

const imagePolicyColumns: readonly PrinterColumn[] = [
  { name: 'Image', type: 'string', jsonPath: '.status.latestRef.name' },
  { name: 'Tag', type: 'string', jsonPath: '.status.latestRef.tag' },
];
const imagePolicyBetaColumns: readonly PrinterColumn[] = [
  { name: 'Latest image', type: 'string', jsonPath: '.status.latestImage' },
];

export const imagePolicyDefinition: KindDefinition = {
  group: imageGroup,
  kind: 'ImagePolicy',
  plural: 'imagepolicies',
  singular: 'imagepolicy',
  shortNames: ['imgpol', 'imagepol'],
  description: 'How to choose the latest tag of an ImageRepository.',
  versions: servedVersions(
    'ImagePolicy',
    'v1',
    { spec: ImagePolicySpecSchema, status: ImagePolicyStatusSchema, columns: imagePolicyColumns },
    [
      { name: 'v1beta2', columns: imagePolicyBetaColumns },
      { name: 'v1beta1', columns: imagePolicyBetaColumns },
    ],
  ),
};

// ---------------------------------------------------------------------------------------------
// ImageUpdateAutomation

const GitCheckoutRefSchema = Type.Object({
  branch: optional(Str()),
  tag: optional(Str()),
  semver: optional(Str()),
  name: optional(Str()),
  commit: optional(Str()),
});

const GitSpecSchema = Type.Object({
  checkout: optional(Type.Object({ ref: GitCheckoutRefSchema })),
  commit: Type.Object({
    author: Type.Object({ name: optional(Str()), email: Str({ minLength: 1 }) }),
    signingKey: optional(
      Type.Object({
        secretRef: LocalObjectReferenceSchema,
        type: optional(
          StringEnum(['gpg', 'ssh'], { description: 'Kind of key in the Secret; gpg when unset.' }),
        ),
      }),
    ),
    messageTemplate: optional(Str()),
    messageTemplateValues: optional(StringMap()),
  }),
  push: optional(
    Type.Object({
      branch: optional(Str()),
      refspec: optional(Str()),
      options: optional(StringMap()),
    }),
  ),
});

const UpdateStrategySchema = Type.Object(
  {
    path: optional(Str({ description: 'Directory in the repository to update.' })),
    strategy: StringEnum(['Setters'], { default: 'Setters' }),
  },
  { default: { strategy: 'Setters' } },
);

const imageUpdateAutomationV1Fields = {
  sourceRef: Type.Object({
    apiVersion: optional(Str()),
    kind: StringEnum(['GitRepository'], { default: 'GitRepository' }),
    name: Str(),
    namespace: optional(Str()),
  }),
  git: optional(described(GitSpecSchema, 'How to check out, commit and push.')),
  interval: Duration(),
  policySelector: optional(
    described(LabelSelectorSchema, 'ImagePolicies considered; all in the namespace when unset.'),
  ),
  update: optional(UpdateStrategySchema),
  suspend: optional(Bool({ description: 'Stop reconciling until this is false again.' })),
};

const ImageUpdateAutomationSpecSchema = Type.Object(imageUpdateAutomationV1Fields);
export type ImageUpdateAutomationSpec = Static<typeof ImageUpdateAutomationSpecSchema>;

const ObservedPolicySchema = Type.Object({
  name: Str(),
  tag: Str(),
  digest: optional(Str()),
});

const ImageUpdateAutomationStatusSchema = statusSchema({
  lastAutomationRunTime: optional(Time()),
  lastPushCommit: optional(Str()),
  lastPushTime: optional(Time()),
  observedPolicies: optional(ObjectMap(ObservedPolicySchema)),
  observedSourceRevision: optional(Str()),
});
export type ImageUpdateAutomationStatus = Static<typeof ImageUpdateAutomationStatusSchema>;

const imageUpdateAutomationColumns: readonly PrinterColumn[] = [
  { name: 'Last run', type: 'string', jsonPath: '.status.lastAutomationRunTime' },
  { name: 'Last push', type: 'string', jsonPath: '.status.lastPushCommit', priority: 1 },
];

export const imageUpdateAutomationDefinition: KindDefinition = {
  group: imageGroup,
  kind: 'ImageUpdateAutomation',
  plural: 'imageupdateautomations',
  singular: 'imageupdateautomation',
  shortNames: ['iua', 'imgupd', 'imgauto'],
  description: 'Commits and pushes image updates chosen by ImagePolicies to a Git repository.',
  versions: servedVersions(
    'ImageUpdateAutomation',
    'v1',
    {
      spec: ImageUpdateAutomationSpecSchema,
      status: ImageUpdateAutomationStatusSchema,
      columns: imageUpdateAutomationColumns,
    },
    ['v1beta2', 'v1beta1'],
  ),
};

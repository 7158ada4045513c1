/**
 * @tide/api: Tide's API, the Flux v2 kinds. One TypeBox definition per kind and version is the
 * source of truth: the TypeScript types below are inferred from it and the CRDs in crds/ are
 * generated from it (`make crds`). Controllers and the CLI use the types at the storage
 * version, the group/version/kind constants, the condition constants and the accessors.
 */
export { ConditionType, ConditionReason } from './conditions.js';
export {
  type AccessFrom,
  type DependencyReference,
  type KubeConfigReference,
  type LabelSelector,
  type LocalObjectReference,
  type NamespacedObjectKindReference,
  type NamespacedObjectReference,
  type OciVerification,
  type ResourceInventory,
  type SecretKeyReference,
} from './meta.js';
export {
  sourceGroup,
  type BucketSpec,
  type BucketStatus,
  type GitRepositoryRef,
  type GitRepositorySpec,
  type GitRepositoryStatus,
  type HelmChartSpec,
  type HelmChartStatus,
  type HelmRepositorySpec,
  type HelmRepositoryStatus,
  type OCIRepositorySpec,
  type OCIRepositoryStatus,
} from './source.js';
export {
  kustomizeGroup,
  type KustomizationSpec,
  type KustomizationStatus,
  type Patch,
} from './kustomize.js';
export { helmGroup, type HelmReleaseSpec, type HelmReleaseStatus } from './helm.js';
export {
  imageGroup,
  type ImagePolicySpec,
  type ImagePolicyStatus,
  type ImageRef,
  type ImageRepositorySpec,
  type ImageRepositoryStatus,
  type ImageUpdateAutomationSpec,
  type ImageUpdateAutomationStatus,
} from './image.js';
export {
  BucketGVK,
  GitRepositoryGVK,
  HelmChartGVK,
  HelmReleaseGVK,
  HelmRepositoryGVK,
  ImagePolicyGVK,
  ImageRepositoryGVK,
  ImageUpdateAutomationGVK,
  KustomizationGVK,
  OCIRepositoryGVK,
  UnexpectedKindError,
  asBucket,
  asGitRepository,
  asHelmChart,
  asHelmRelease,
  asHelmRepository,
  asImagePolicy,
  asImageRepository,
  asImageUpdateAutomation,
  asKustomization,
  asOCIRepository,
  isBucket,
  isGitRepository,
  isHelmChart,
  isHelmRelease,
  isHelmRepository,
  isImagePolicy,
  isImageRepository,
  isImageUpdateAutomation,
  isKustomization,
  isOCIRepository,
  type Bucket,
  type GitRepository,
  type GroupVersionKind,
  type HelmChart,
  type HelmRelease,
  type HelmRepository,
  type ImagePolicy,
  type ImageRepository,
  type ImageUpdateAutomation,
  type Kustomization,
  type OCIRepository,
  type TideObject,
} from './objects.js';
export { kindDefinitions, servedKind, storageApiVersion } from './kinds.js';
export {
  buildCrd,
  categories,
  categoriesOf,
  groupCategories,
  crdFileName,
  crdName,
  renderCrd,
  type KindDefinition,
  type PrinterColumn,
  type VersionDefinition,
} from './crd.js';
export { crdDrift, renderedCrds, writeCrds, type CrdDrift } from './generate.js';
export {
  NonStructuralSchemaError,
  toStructural,
  type JsonObject,
  type JsonValue,
} from './openapi.js';
export { durationPattern, timeoutPattern } from './schema.js';
export {
  hasFields,
  leavesOf,
  setFields,
  specLeaves,
  specSchema,
  type SchemaNode,
  type SetField,
} from './fields.js';
export {
  UnservedKindError,
  covers,
  fieldSupportCheck,
  isRefused,
  refusalMessage,
  ruleBase,
  supportMatrix,
  supportOf,
  unsupportedFields,
  unsupportedFieldsMessage,
  type FieldRefusal,
  type Support,
  type SupportRules,
} from './support.js';
export {
  readmeBegin,
  readmeEnd,
  readmeSection,
  supportSection,
  writeReadmeSection,
} from './support-readme.js';

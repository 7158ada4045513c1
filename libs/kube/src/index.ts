/**
 * @tide/kube: the bottom layer every Tide package stands on — one Kubernetes JSON client
 * (abort signals, impersonation, proxies, timeouts, typed API errors), the object, condition
 * and artifact types, and label selectors. Nothing below it but Node and client-node's
 * kubeconfig loading.
 */
export {
  KubeClient,
  PatchType,
  defaultRequestTimeoutMs,
  type Cancellable,
  type KubeClientOptions,
  type KubeResponse,
  type ListResult,
  type RequestSpec,
} from './client.js';
export {
  ApiError,
  RequestAborted,
  apiErrorFrom,
  isApiError,
  transportError,
  type Purpose,
  type StatusCause,
} from './errors.js';
export { DurationError, formatDuration, jitter, parseDuration } from './duration.js';
export {
  impersonatingKubeConfig,
  serviceAccountUser,
  type ServiceAccountRef,
} from './impersonation.js';
export { configMapKind, secretKind, serviceAccountKind } from './kinds.js';
export {
  annotationOf,
  apiVersionOf,
  assertManifest,
  fieldOf,
  groupOf,
  isPlainObject,
  messageOf,
  objectKey,
  refOf,
  splitKey,
  subjectOf,
  versionOf,
  type KindRef,
  type KubeObject,
  type ManagedFieldsEntry,
  type Manifest,
  type ObjectMeta,
  type ObjectRef,
  type OwnerReference,
} from './object.js';
export {
  LabelSelectorError,
  matchLabels,
  parseLabelSelector,
  type LabelMatcher,
} from './selector.js';
export {
  ConditionStatus,
  CoreCondition,
  CoreReason,
  type Artifact,
  type Condition,
} from './status.js';

// Condition types and reasons, with Flux's names so that `flux`-aware tooling and dashboards
// read Tide's status unchanged. Each is a string constant; the `as const` objects give the
// unions controllers switch on.
import { CoreCondition, CoreReason } from '@tide/kube';

/** Condition types. */
export const ConditionType = {
  ...CoreCondition,
  ArtifactOutdated: 'ArtifactOutdated',
  ArtifactInStorage: 'ArtifactInStorage',
  FetchFailed: 'FetchFailed',
  IncludeUnavailable: 'IncludeUnavailable',
  StorageOperationFailed: 'StorageOperationFailed',
  SourceVerified: 'SourceVerified',
  BuildFailed: 'BuildFailed',
  Healthy: 'Healthy',
  Released: 'Released',
  TestSuccess: 'TestSuccess',
  Remediated: 'Remediated',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Condition reasons. */
export const ConditionReason = {
  ...CoreReason,
  Suspended: 'Suspended',
  ReconciliationSucceeded: 'ReconciliationSucceeded',
  ReconciliationFailed: 'ReconciliationFailed',
  ArtifactFailed: 'ArtifactFailed',
  ArtifactUpToDate: 'ArtifactUpToDate',
  BuildFailed: 'BuildFailed',
  HealthCheckFailed: 'HealthCheckFailed',
  PruneFailed: 'PruneFailed',
  ValidationFailed: 'ValidationFailed',
  GitOperationFailed: 'GitOperationFailed',
  GitOperationSucceeded: 'GitOperationSucceeded',
  AuthenticationFailed: 'AuthenticationFailed',
  VerificationError: 'VerificationError',
  /** GitRepository `verify`: the commit is unsigned or its signature does not verify. */
  InvalidCommitSignature: 'InvalidCommitSignature',
  /** GitRepository `verify`: the annotated tag's signature does not verify. */
  InvalidTagSignature: 'InvalidTagSignature',
  /** GitRepository `verify`: the tag to verify is unsigned (or lightweight). */
  InvalidGitObject: 'InvalidGitObject',
  /** GitRepository `verify`: mode Tag or TagAndHEAD without a tag reference. */
  InvalidVerificationMode: 'InvalidVerificationMode',
  DirCreationFailed: 'DirectoryCreationFailed',
  CacheOperationFailed: 'CacheOperationFailed',
  StatOperationFailed: 'StatOperationFailed',
  ReadOperationFailed: 'ReadOperationFailed',
  AcquireLockFailed: 'AcquireLockFailed',
  InvalidPath: 'InvalidPath',
  ArchiveOperationFailed: 'ArchiveOperationFailed',
  SymlinkUpdateFailed: 'SymlinkUpdateFailed',
  URLInvalid: 'URLInvalid',
  IndexationFailed: 'IndexationFailed',
  IndexationSucceeded: 'IndexationSucceeded',
  ChartPullFailed: 'ChartPullFailed',
  ChartPullSucceeded: 'ChartPullSucceeded',
  ChartPackageFailed: 'ChartPackageFailed',
  ChartPackageSucceeded: 'ChartPackageSucceeded',
  BucketOperationFailed: 'BucketOperationFailed',
  OCIPullFailed: 'OCIArtifactPullFailed',
  OCIArtifactLayerOperationFailed: 'OCIArtifactLayerOperationFailed',
  InvalidSTSConfiguration: 'InvalidSTSConfiguration',
  InvalidProviderConfiguration: 'InvalidProviderConfiguration',
  AccessDenied: 'AccessDenied',
  /** A CEL expression in the spec does not compile (Stalled until the spec changes). */
  InvalidCELExpression: 'InvalidCELExpression',
  DecryptionFailed: 'DecryptionFailed',
  InstallSucceeded: 'InstallSucceeded',
  InstallFailed: 'InstallFailed',
  UpgradeSucceeded: 'UpgradeSucceeded',
  UpgradeFailed: 'UpgradeFailed',
  TestSucceeded: 'TestSucceeded',
  TestFailed: 'TestFailed',
  RollbackSucceeded: 'RollbackSucceeded',
  RollbackFailed: 'RollbackFailed',
  UninstallSucceeded: 'UninstallSucceeded',
  UninstallFailed: 'UninstallFailed',
  GetLastReleaseFailed: 'GetLastReleaseFailed',
  InitFailed: 'InitFailed',
  InvalidUpdateStrategy: 'InvalidUpdateStrategy',
  InvalidSourceConfig: 'InvalidSourceConfig',
  SourceManagerFailed: 'SourceManagerFailed',
  InvalidPolicySelector: 'InvalidPolicySelector',
  RemovedTemplateField: 'RemovedTemplateField',
  /** An included GitRepository, or its artifact, is not available (IncludeUnavailable). */
  IncludeUnavailable: 'IncludeUnavailable',
  /** ArtifactOutdated while the upstream's new revision is being built. */
  NewRevision: 'NewRevision',
  /** The event a source records when it stored an artifact with a new digest. */
  NewArtifact: 'NewArtifact',
  /** A HelmChart's source, or the source's artifact, is not available yet. */
  SourceUnavailable: 'SourceUnavailable',
} as const;
export type ConditionReason = (typeof ConditionReason)[keyof typeof ConditionReason];

import { ConditionType, fieldSupportCheck, GitRepositoryGVK, type GitRepository } from '@tide/api';
import type { Storage } from '@tide/artifact';
import {
  refuseUnsupportedFields,
  runSteps,
  type ConditionPolicy,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  type Watch,
} from '@tide/runtime';
import {
  reconcileArtifact,
  reconcileInclude,
  reconcileSource,
  type GitState,
} from './gitrepository-steps.js';
import { reconcileVerification } from './gitrepository-verify.js';
import { gitRepositoryKind } from './kinds.js';
import { reconcileStorage, removeArtifacts } from './storage-step.js';

export interface GitRepositoryReconcilerOptions {
  readonly storage: Storage;
  /** Refuse repositories whose fetch downloads more than this many bytes. */
  readonly maxRepositorySize?: number;
}

/**
 * GitRepository: resolve `spec.ref` with one ls-remote, fetch only that commit when the
 * revision (or the ignore/include/verify spec) changed, verify its signature when
 * `spec.verify` asks, and store the tree — minus ignored paths,
 * plus included artifacts — as a deterministic tarball.
 */
export class GitRepositoryReconciler implements Reconciler<GitRepository> {
  readonly kind = gitRepositoryKind;
  readonly conditions: ConditionPolicy = {
    owned: [
      ConditionType.StorageOperationFailed,
      ConditionType.FetchFailed,
      ConditionType.IncludeUnavailable,
      ConditionType.ArtifactOutdated,
      ConditionType.ArtifactInStorage,
      ConditionType.SourceVerified,
    ],
    negativePolarity: [
      ConditionType.StorageOperationFailed,
      ConditionType.FetchFailed,
      ConditionType.IncludeUnavailable,
      ConditionType.ArtifactOutdated,
    ],
  };
  /** An included repository's new artifact rebuilds every repository that includes it. */
  readonly watches: readonly Watch[] = [
    {
      kind: gitRepositoryKind,
      map: (changed, context) =>
        context
          .cache<GitRepository>(gitRepositoryKind)
          .list(changed.metadata.namespace)
          .filter((repo) =>
            (repo.spec.include ?? []).some((i) => i.repository.name === changed.metadata.name),
          )
          .map((repo) => `${repo.metadata.namespace ?? ''}/${repo.metadata.name ?? ''}`),
    },
  ];

  constructor(private readonly options: GitRepositoryReconcilerOptions) {}

  successMessage(obj: GitRepository): string {
    return `stored artifact for revision '${obj.status?.artifact?.revision ?? ''}'`;
  }

  reconcile(obj: GitRepository, context: ReconcileContext): Promise<ReconcileResult> {
    const state: GitState = {
      kind: this.kind,
      storage: this.options.storage,
      maxRepositorySize: this.options.maxRepositorySize,
      includes: [],
    };
    return runSteps({ obj, context, state }, [
      refuseUnsupportedFields(fieldSupportCheck(GitRepositoryGVK)),
      reconcileStorage,
      reconcileSource,
      reconcileInclude,
      reconcileVerification,
      reconcileArtifact,
    ]);
  }

  finalize(obj: GitRepository): Promise<ReconcileResult> {
    return removeArtifacts(this.kind, obj, this.options.storage);
  }
}

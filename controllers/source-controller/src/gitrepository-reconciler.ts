import { ConditionType, GitRepositoryGVK, type GitRepository } from '@tide/api';
import type { Storage } from '@tide/artifact';
import type { Step, Watch } from '@tide/runtime';
import {
  reconcileArtifact,
  reconcileInclude,
  reconcileSource,
  type GitState,
} from './gitrepository-steps.js';
import { reconcileVerification } from './gitrepository-verify.js';
import { gitRepositoryKind } from './kinds.js';
import { SourceReconciler } from './source-reconciler.js';

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
export class GitRepositoryReconciler extends SourceReconciler<GitRepository, GitState> {
  /** An included repository's new artifact rebuilds every repository that includes it. */
  readonly watches: readonly Watch[] = [
    this.consumersOf(gitRepositoryKind, (repo, name) =>
      (repo.spec.include ?? []).some((include) => include.repository.name === name),
    ),
  ];
  protected readonly steps: readonly Step<GitRepository, GitState>[] = [
    reconcileSource,
    reconcileInclude,
    reconcileVerification,
    reconcileArtifact,
  ];

  constructor(private readonly options: GitRepositoryReconcilerOptions) {
    super(
      GitRepositoryGVK,
      options.storage,
      [ConditionType.FetchFailed, ConditionType.IncludeUnavailable],
      [ConditionType.SourceVerified],
    );
  }

  successMessage(obj: GitRepository): string {
    return `stored artifact for revision '${obj.status?.artifact?.revision ?? ''}'`;
  }

  protected state(): GitState {
    return {
      kind: this.kind,
      storage: this.storage,
      maxRepositorySize: this.options.maxRepositorySize,
      includes: [],
    };
  }
}

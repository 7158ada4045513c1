import { ConditionType, HelmRepositoryGVK, type HelmRepository } from '@tide/api';
import type { Storage } from '@tide/artifact';
import type { Step } from '@tide/runtime';
import {
  reconcileArtifact,
  reconcileSource,
  storedIndexMessage,
  type HelmRepositoryState,
} from './helmrepository-steps.js';
import { SourceReconciler } from './source-reconciler.js';

export interface HelmRepositoryReconcilerOptions {
  readonly storage: Storage;
  /** Refuse indexes larger than this (`--helm-index-max-size`). */
  readonly maxIndexSize: number;
}

/**
 * HelmRepository (type `default`): downloads the repository's `index.yaml`, validates it,
 * and stores it as `index-<sha256>.yaml` with revision `sha256:<hex>`. An unchanged index
 * is not stored again.
 */
export class HelmRepositoryReconciler extends SourceReconciler<
  HelmRepository,
  HelmRepositoryState
> {
  protected readonly steps: readonly Step<HelmRepository, HelmRepositoryState>[] = [
    reconcileSource,
    reconcileArtifact,
  ];

  constructor(private readonly options: HelmRepositoryReconcilerOptions) {
    super(HelmRepositoryGVK, options.storage, [ConditionType.FetchFailed]);
  }

  successMessage(obj: HelmRepository): string {
    return storedIndexMessage(obj);
  }

  protected state(): HelmRepositoryState {
    return { kind: this.kind, storage: this.storage, maxIndexSize: this.options.maxIndexSize };
  }
}

import {
  ConditionType,
  fieldSupportCheck,
  HelmRepositoryGVK,
  type HelmRepository,
} from '@tide/api';
import type { Storage } from '@tide/artifact';
import {
  refuseUnsupportedFields,
  runSteps,
  type ConditionPolicy,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
} from '@tide/runtime';
import {
  reconcileArtifact,
  reconcileSource,
  storedIndexMessage,
  type HelmRepositoryState,
} from './helmrepository-steps.js';
import { helmRepositoryKind } from './kinds.js';
import { reconcileStorage, removeArtifacts } from './storage-step.js';

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
export class HelmRepositoryReconciler implements Reconciler<HelmRepository> {
  readonly kind = helmRepositoryKind;
  readonly conditions: ConditionPolicy = {
    owned: [
      ConditionType.StorageOperationFailed,
      ConditionType.FetchFailed,
      ConditionType.ArtifactOutdated,
      ConditionType.ArtifactInStorage,
    ],
    negativePolarity: [
      ConditionType.StorageOperationFailed,
      ConditionType.FetchFailed,
      ConditionType.ArtifactOutdated,
    ],
  };

  constructor(private readonly options: HelmRepositoryReconcilerOptions) {}

  successMessage(obj: HelmRepository): string {
    return storedIndexMessage(obj);
  }

  reconcile(obj: HelmRepository, context: ReconcileContext): Promise<ReconcileResult> {
    const state: HelmRepositoryState = {
      kind: this.kind,
      storage: this.options.storage,
      maxIndexSize: this.options.maxIndexSize,
    };
    return runSteps({ obj, context, state }, [
      refuseUnsupportedFields(fieldSupportCheck(HelmRepositoryGVK)),
      reconcileStorage,
      reconcileSource,
      reconcileArtifact,
    ]);
  }

  finalize(obj: HelmRepository): Promise<ReconcileResult> {
    return removeArtifacts(this.kind, obj, this.options.storage);
  }
}

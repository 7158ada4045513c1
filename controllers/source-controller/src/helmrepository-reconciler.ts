import { ConditionReason, ConditionType, type HelmRepository } from '@tide/api';
import { sha256Digest, type Storage } from '@tide/artifact';
import { HelmError, parseRepositoryIndex } from '@tide/helm';
import {
  GenericError,
  Result,
  StallingError,
  deleteCondition,
  markTrue,
  runSubReconcilers,
  type ConditionPolicy,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
} from '@tide/runtime';
import { downloadWith, httpAuth } from './http-source.js';
import { helmRepositoryKind } from './kinds.js';
import {
  artifactOwner,
  reconcileStorage,
  removeArtifacts,
  sourceName,
  storeArtifact,
} from './storage-step.js';
import { parseDuration } from '@tide/kube';

export interface HelmRepositoryReconcilerOptions {
  readonly storage: Storage;
  /** Refuse indexes larger than this (`--helm-index-max-size`). */
  readonly maxIndexSize: number;
}

const defaultTimeoutMs = 60_000;

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
    return `stored artifact: revision '${obj.status?.artifact?.revision ?? ''}'`;
  }

  reconcile(obj: HelmRepository, context: ReconcileContext): Promise<ReconcileResult> {
    return runSubReconcilers(obj, [
      reconcileStorage('HelmRepository', obj, this.options.storage),
      () => this.reconcileIndex(obj, context),
    ]);
  }

  finalize(obj: HelmRepository): Promise<ReconcileResult> {
    return removeArtifacts('HelmRepository', obj, this.options.storage);
  }

  private async reconcileIndex(
    obj: HelmRepository,
    context: ReconcileContext,
  ): Promise<ReconcileResult> {
    const name = sourceName('HelmRepository', obj);
    if (obj.spec.type === 'oci') {
      throw new StallingError(
        ConditionReason.InvalidSourceConfig,
        `${name}: HelmRepository type 'oci' is not supported yet; use an HTTP(S) chart repository`,
      );
    }
    const timeoutMs =
      obj.spec.timeout === undefined ? defaultTimeoutMs : parseDuration(obj.spec.timeout);
    const indexUrl = `${obj.spec.url.replace(/\/+$/, '')}/index.yaml`;
    let index: Buffer;
    try {
      const auth = await httpAuth(context.client, obj.metadata.namespace ?? '', obj.spec, name);
      index = await downloadWith(
        indexUrl,
        auth,
        { maxSize: this.options.maxIndexSize, timeoutMs },
        ConditionReason.IndexationFailed,
        `failed to fetch Helm repository index of ${name}`,
      );
      parseRepositoryIndex(index.toString('utf8'), indexUrl);
    } catch (error) {
      const failure =
        error instanceof HelmError
          ? new GenericError(ConditionReason.IndexationFailed, `${name}: ${error.message}`, {
              cause: error,
            })
          : error;
      if (failure instanceof GenericError || failure instanceof StallingError) {
        markTrue(obj, ConditionType.FetchFailed, failure.reason, failure.message);
      }
      throw failure;
    }
    deleteCondition(obj, ConditionType.FetchFailed);
    const digest = sha256Digest(index);
    if (obj.status?.artifact?.digest === digest) {
      markTrue(
        obj,
        ConditionType.ArtifactInStorage,
        ConditionReason.Succeeded,
        this.successMessage(obj),
      );
      return Result.Success;
    }
    const hex = digest.slice('sha256:'.length);
    await storeArtifact(
      obj,
      artifactOwner('HelmRepository', obj),
      this.options.storage,
      `index-${hex}.yaml`,
      index,
      {
        revision: digest,
      },
    );
    markTrue(
      obj,
      ConditionType.ArtifactInStorage,
      ConditionReason.Succeeded,
      this.successMessage(obj),
    );
    await context.event({
      type: 'Normal',
      reason: 'NewArtifact',
      message: `stored fetched index of size ${index.length} from '${obj.spec.url}'`,
      annotations: { 'source.toolkit.fluxcd.io/revision': digest },
    });
    return Result.Success;
  }
}

import { ConditionType, fieldSupportCheck, HelmChartGVK, type HelmChart } from '@tide/api';
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
  packagedMessage,
  reconcileArtifact,
  reconcileSource,
  type HelmChartState,
} from './helmchart-steps.js';
import { gitRepositoryKind, helmChartKind, helmRepositoryKind } from './kinds.js';
import { reconcileStorage, removeArtifacts } from './storage-step.js';

export interface HelmChartReconcilerOptions {
  readonly storage: Storage;
  /** Refuse charts larger than this (`--helm-chart-max-size`). */
  readonly maxChartSize: number;
  /** How soon to look again at a source that has no artifact yet. */
  readonly requeueDependencyMs: number;
}

/**
 * HelmChart: picks the chart version from a HelmRepository's stored index (Masterminds
 * constraint) and downloads it, or packages the chart directory of a GitRepository
 * artifact; merges `valuesFiles` into values.yaml; stores `<name>-<version>.tgz` with the
 * chart version as revision. Nothing is downloaded or stored again while the version,
 * the source revision and the values files stay the same.
 */
export class HelmChartReconciler implements Reconciler<HelmChart> {
  readonly kind = helmChartKind;
  readonly conditions: ConditionPolicy = {
    owned: [
      ConditionType.StorageOperationFailed,
      ConditionType.FetchFailed,
      ConditionType.BuildFailed,
      ConditionType.ArtifactOutdated,
      ConditionType.ArtifactInStorage,
    ],
    negativePolarity: [
      ConditionType.StorageOperationFailed,
      ConditionType.FetchFailed,
      ConditionType.BuildFailed,
      ConditionType.ArtifactOutdated,
    ],
  };
  /** A source's new artifact rebuilds the charts that use it. */
  readonly watches: readonly Watch[] = [helmRepositoryKind, gitRepositoryKind].map((kind) => ({
    kind,
    map: (changed, context) =>
      context
        .cache<HelmChart>(helmChartKind)
        .list(changed.metadata.namespace)
        .filter(
          (chart) =>
            chart.spec.sourceRef.kind === kind.kind &&
            chart.spec.sourceRef.name === changed.metadata.name,
        )
        .map((chart) => `${chart.metadata.namespace ?? ''}/${chart.metadata.name ?? ''}`),
  }));

  constructor(private readonly options: HelmChartReconcilerOptions) {}

  successMessage(obj: HelmChart): string {
    return packagedMessage(obj);
  }

  reconcile(obj: HelmChart, context: ReconcileContext): Promise<ReconcileResult> {
    const state: HelmChartState = {
      kind: this.kind,
      storage: this.options.storage,
      maxChartSize: this.options.maxChartSize,
      requeueDependencyMs: this.options.requeueDependencyMs,
    };
    return runSteps({ obj, context, state }, [
      refuseUnsupportedFields(fieldSupportCheck(HelmChartGVK)),
      reconcileStorage,
      reconcileSource,
      reconcileArtifact,
    ]);
  }

  finalize(obj: HelmChart): Promise<ReconcileResult> {
    return removeArtifacts(this.kind, obj, this.options.storage);
  }
}

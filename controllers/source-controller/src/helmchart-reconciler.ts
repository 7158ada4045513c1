import { ConditionType, HelmChartGVK, type HelmChart } from '@tide/api';
import type { Storage } from '@tide/artifact';
import type { Step, Watch } from '@tide/runtime';
import {
  packagedMessage,
  reconcileArtifact,
  reconcileSource,
  type HelmChartState,
} from './helmchart-steps.js';
import { gitRepositoryKind, helmRepositoryKind } from './kinds.js';
import { SourceReconciler } from './source-reconciler.js';

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
export class HelmChartReconciler extends SourceReconciler<HelmChart, HelmChartState> {
  /** A source's new artifact rebuilds the charts that use it. */
  readonly watches: readonly Watch[] = [helmRepositoryKind, gitRepositoryKind].map((source) =>
    this.consumersOf(
      source,
      (chart, name) =>
        chart.spec.sourceRef.kind === source.kind && chart.spec.sourceRef.name === name,
    ),
  );
  protected readonly steps: readonly Step<HelmChart, HelmChartState>[] = [
    reconcileSource,
    reconcileArtifact,
  ];

  constructor(private readonly options: HelmChartReconcilerOptions) {
    super(HelmChartGVK, options.storage, [ConditionType.FetchFailed, ConditionType.BuildFailed]);
  }

  successMessage(obj: HelmChart): string {
    return packagedMessage(obj);
  }

  protected state(): HelmChartState {
    return {
      kind: this.kind,
      storage: this.storage,
      maxChartSize: this.options.maxChartSize,
      requeueDependencyMs: this.options.requeueDependencyMs,
    };
  }
}

/**
 * @tide/source-controller: the reconcilers that turn sources into artifacts, exported for
 * tests and for embedding (`make dev` runs the controller process from main.ts).
 */
export {
  GitRepositoryReconciler,
  type GitRepositoryReconcilerOptions,
} from './gitrepository-reconciler.js';
export {
  HelmRepositoryReconciler,
  type HelmRepositoryReconcilerOptions,
} from './helmrepository-reconciler.js';
export { HelmChartReconciler, type HelmChartReconcilerOptions } from './helmchart-reconciler.js';
export { registerSourceReconcilers } from './register.js';
export { addSourceFlags, sourceOptionsFrom, type SourceControllerOptions } from './flags.js';
export { gitRepositoryKind, helmChartKind, helmRepositoryKind } from './kinds.js';

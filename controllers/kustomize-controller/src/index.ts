/**
 * @tide/kustomize-controller: the Kustomization reconciler and its pure building blocks
 * (kustomization generation and overlay, post-build substitution, history), exported for
 * tests, the CLI and embedding (`make dev` runs the controller process from main.ts).
 */
export {
  KustomizationReconciler,
  fieldManager,
  type KustomizationReconcilerOptions,
} from './kustomization-reconciler.js';
export { registerKustomizeReconcilers } from './register.js';
export {
  addKustomizeFlags,
  kustomizeOptionsFrom,
  parseFeatureGates,
  defaultArtifactFetchRetries,
  type KustomizeControllerOptions,
} from './flags.js';
export {
  kustomizationFileNames,
  kustomizationFileIn,
  manifestResources,
  generatedKustomization,
  withOverlay,
  kustomizationText,
  type OverlayFields,
} from './overlay.js';
export { renderKustomization, type RenderOptions } from './render.js';
export { compileDriftIgnoreRules } from './drift-ignore.js';
export { ArtifactCache, type ArtifactLease, type ArtifactCacheOptions } from './artifact-cache.js';
export { buildDirectory } from './source.js';
export {
  substitute,
  substituteAnnotation,
  variableNamePattern,
  SubstitutionError,
  type SubstituteOptions,
} from './substitute.js';
export {
  collectVariables,
  substituteResources,
  setCommonMetadata,
  toKubeObjects,
  type DataReader,
  type SubstituteReference,
} from './postbuild.js';
export { readData } from './postbuild.js';
export { recordRun, historyLimit, type RunRecord, type Snapshot } from './history.js';
export { ownerLabelsOf } from './apply-step.js';
export { kustomizationKind } from './kinds.js';

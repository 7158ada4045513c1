/**
 * @tide/kustomization: what a Flux Kustomization renders to, shared by kustomize-controller and
 * `tide build/diff kustomization` as fluxcd/pkg/kustomize is shared by Flux's controller and
 * CLI — the generated kustomization and the overlay of spec fields, the kustomize build,
 * post-build substitution (Flux's envsubst forms, from `substitute` and `substituteFrom`), the owner labels,
 * drift-ignore rules, CEL health expressions and `status.history`. No reconcile loop here.
 */
export { InvalidSpecError } from './errors.js';
export { fieldManager, ownerLabelsOf } from './labels.js';
export {
  kustomizationFileNames,
  kustomizationFileIn,
  manifestResources,
  generatedKustomization,
  withOverlay,
  kustomizationText,
  type OverlayFields,
} from './overlay.js';
export {
  readVariables,
  renderKustomization,
  renderWithVariables,
  substitutes,
  type BuildOptions,
  type RenderOptions,
} from './render.js';
export {
  substitute,
  substituteAnnotation,
  variableNamePattern,
  SubstitutionError,
  type SubstituteOptions,
} from './substitute.js';
export {
  collectVariables,
  readData,
  substituteResources,
  setCommonMetadata,
  toManifests,
  type DataReader,
  type SubstituteReference,
} from './postbuild.js';
export { compileDriftIgnoreRules } from './drift-ignore.js';
export { compileHealthCheckExprs } from './health-exprs.js';
export { recordRun, historyLimit, type RunRecord, type Snapshot } from './history.js';

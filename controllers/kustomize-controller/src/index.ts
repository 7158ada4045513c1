/**
 * @tide/kustomize-controller: the Kustomization reconciler, its registration on a manager and
 * its flags (`make dev` and the images run the controller process from main.ts). What a
 * Kustomization renders to lives in @tide/kustomization, shared with the CLI.
 */
export {
  KustomizationReconciler,
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
  ArtifactHostError,
  defaultArtifactHosts,
  formatArtifactHost,
  isAllowedArtifactUrl,
  parseArtifactHost,
  parseArtifactHosts,
  type ArtifactHost,
} from './artifact-hosts.js';

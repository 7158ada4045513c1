import { startControllerEnvironment, type ControllerEnvironment } from '@tide/test-support';
import { registerKustomizeReconcilers } from '../src/index.js';

/**
 * kustomize-controller in-process on the shared control plane, scoped to one namespace; no
 * source-controller runs: tests publish source artifacts with @tide/test-support.
 */
export type KustomizeEnvironment = ControllerEnvironment;

export function startKustomizeEnvironment(
  prefix: string,
  options: { strictSubstitutions?: boolean; noRemoteBases?: boolean } = {},
): Promise<KustomizeEnvironment> {
  return startControllerEnvironment(prefix, {
    name: 'kustomize-controller',
    register(manager) {
      const reconciler = registerKustomizeReconcilers(manager, {
        options: {
          noCrossNamespaceRefs: false,
          artifactFetchRetries: 1,
          strictSubstitutions: options.strictSubstitutions ?? false,
          noRemoteBases: options.noRemoteBases ?? false,
          healthPollIntervalMs: 200,
        },
      });
      return () => reconciler.close();
    },
  });
}

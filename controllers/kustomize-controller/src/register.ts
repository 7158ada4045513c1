import type { Manager } from '@tide/runtime';
import type { ArtifactHost } from './artifact-hosts.js';
import type { KustomizeControllerOptions } from './flags.js';
import { KustomizationReconciler } from './kustomization-reconciler.js';

/**
 * Registers the Kustomization reconciler on a manager (main.ts and the tests share this);
 * returns it so the caller can close its connections after the manager stops.
 */
export function registerKustomizeReconcilers(
  manager: Manager,
  {
    options,
  }: {
    options: Pick<
      KustomizeControllerOptions,
      'noCrossNamespaceRefs' | 'artifactFetchRetries' | 'strictSubstitutions'
    > &
      Partial<
        Pick<
          KustomizeControllerOptions,
          | 'defaultServiceAccount'
          | 'noRemoteBases'
          | 'insecureKubeConfigExec'
          | 'insecureKubeConfigTls'
          | 'buildWorkers'
          | 'buildMemoryLimitMb'
          | 'buildTimeoutMs'
        >
      > & {
        /** `--artifact-hosts`; any host when omitted (main.ts always sets it). */
        artifactHosts?: readonly ArtifactHost[] | undefined;
        healthPollIntervalMs?: number;
      };
  },
): KustomizationReconciler {
  const reconciler = new KustomizationReconciler({
    noCrossNamespaceRefs: options.noCrossNamespaceRefs,
    artifactFetchRetries: options.artifactFetchRetries,
    requeueDependencyMs: manager.options.requeueDependencyMs,
    strictSubstitutions: options.strictSubstitutions,
    defaultServiceAccount: options.defaultServiceAccount,
    noRemoteBases: options.noRemoteBases ?? false,
    insecureKubeConfigExec: options.insecureKubeConfigExec ?? false,
    insecureKubeConfigTls: options.insecureKubeConfigTls ?? false,
    build: {
      ...(options.buildWorkers === undefined ? {} : { workers: options.buildWorkers }),
      ...(options.buildMemoryLimitMb === undefined
        ? {}
        : { memoryLimitMb: options.buildMemoryLimitMb }),
      ...(options.buildTimeoutMs === undefined ? {} : { timeoutMs: options.buildTimeoutMs }),
    },
    artifactHosts: options.artifactHosts,
    ...(options.healthPollIntervalMs === undefined
      ? {}
      : { healthPollIntervalMs: options.healthPollIntervalMs }),
  });
  manager.register(reconciler);
  return reconciler;
}

/**
 * tide-kustomize-controller: flags → Manager with the Kustomization reconciler. Exits 0 on
 * SIGTERM/SIGINT after in-flight reconciles finish, 1 when start-up fails or the leader Lease
 * is lost, 70 on an unhandled rejection or uncaught exception.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { Manager, runControllerMain, runManager } from '@tide/runtime';
import { defaultArtifactHosts, formatArtifactHost } from './artifact-hosts.js';
import { addKustomizeFlags, kustomizeOptionsFrom } from './flags.js';
import { registerKustomizeReconcilers } from './register.js';

runControllerMain({
  name: 'kustomize-controller',
  description: 'Tide kustomize-controller: builds Kustomizations and applies them',
  concurrent: 4,
  addFlags: addKustomizeFlags,
  optionsFrom: kustomizeOptionsFrom,
  async run({ options, runtime, logger }) {
    // One kubeconfig for the manager and the apply manager, loaded as the runtime would.
    const kubeConfig = new KubeConfig();
    if (runtime.kubeconfig === undefined) kubeConfig.loadFromDefault();
    else kubeConfig.loadFromFile(runtime.kubeconfig);

    const manager = new Manager({ name: 'kustomize-controller', runtime, kubeConfig, logger });
    // The default is the source-controller Service of the namespace the controller runs in.
    const artifactHosts = options.artifactHosts ?? defaultArtifactHosts(manager.namespace);
    const reconciler = registerKustomizeReconcilers(manager, {
      options: { ...options, artifactHosts },
    });
    logger.info(
      {
        noCrossNamespaceRefs: options.noCrossNamespaceRefs,
        defaultServiceAccount: options.defaultServiceAccount,
        artifactFetchRetries: options.artifactFetchRetries,
        strictSubstitutions: options.strictSubstitutions,
        noRemoteBases: options.noRemoteBases,
        insecureKubeConfigExec: options.insecureKubeConfigExec,
        insecureKubeConfigTls: options.insecureKubeConfigTls,
        buildWorkers: options.buildWorkers,
        buildMemoryLimitMb: options.buildMemoryLimitMb,
        buildTimeoutMs: options.buildTimeoutMs,
        artifactHosts: artifactHosts.map(formatArtifactHost),
      },
      'kustomize-controller options',
    );
    // The cleanup also ends the build worker processes.
    return { code: await runManager(manager), cleanup: () => reconciler.close() };
  },
});

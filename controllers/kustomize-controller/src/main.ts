/**
 * tide-kustomize-controller: flags → Manager with the Kustomization reconciler. Exits 0 on
 * SIGTERM/SIGINT after in-flight reconciles finish.
 */
import { Command } from 'commander';
import { KubeConfig } from '@kubernetes/client-node';
import { Manager, addRuntimeFlags, runManager, runtimeOptionsFrom } from '@tide/runtime';
import { defaultArtifactHosts, formatArtifactHost } from './artifact-hosts.js';
import { addKustomizeFlags, kustomizeOptionsFrom } from './flags.js';
import { registerKustomizeReconcilers } from './register.js';

const program = addKustomizeFlags(
  addRuntimeFlags(new Command('tide-kustomize-controller'), { concurrent: 4 }),
)
  .description('Tide kustomize-controller: builds Kustomizations and applies them')
  .allowExcessArguments(false);
program.parse(process.argv);
const values = program.opts();
const options = kustomizeOptionsFrom(values);
const runtime = runtimeOptionsFrom(values);

// One kubeconfig for the manager and the apply manager, loaded as the runtime would.
const kubeConfig = new KubeConfig();
if (runtime.kubeconfig === undefined) kubeConfig.loadFromDefault();
else kubeConfig.loadFromFile(runtime.kubeconfig);

const manager = new Manager({ name: 'kustomize-controller', runtime, kubeConfig });
// The default is the source-controller Service of the namespace the controller runs in.
const artifactHosts = options.artifactHosts ?? defaultArtifactHosts(manager.namespace);
const reconciler = registerKustomizeReconcilers(manager, {
  options: { ...options, artifactHosts },
});
manager.logger.info(
  {
    noCrossNamespaceRefs: options.noCrossNamespaceRefs,
    defaultServiceAccount: options.defaultServiceAccount,
    artifactFetchRetries: options.artifactFetchRetries,
    strictSubstitutions: options.strictSubstitutions,
    noRemoteBases: options.noRemoteBases,
    insecureKubeConfigExec: options.insecureKubeConfigExec,
    insecureKubeConfigTls: options.insecureKubeConfigTls,
    artifactHosts: artifactHosts.map(formatArtifactHost),
  },
  'kustomize-controller options',
);
const code = await runManager(manager);
await reconciler.close();
process.exitCode = code;

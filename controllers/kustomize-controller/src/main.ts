/**
 * tide-kustomize-controller: flags → Manager with the Kustomization reconciler. Exits 0 on
 * SIGTERM/SIGINT after in-flight reconciles finish, 1 when start-up fails or the leader Lease
 * is lost, 70 on an unhandled rejection or uncaught exception.
 */
import { Command } from 'commander';
import { KubeConfig } from '@kubernetes/client-node';
import {
  ExitCode,
  Manager,
  addRuntimeFlags,
  createLogger,
  exitProcess,
  guardProcess,
  runManager,
  runtimeOptionsFrom,
} from '@tide/runtime';
import { messageOf } from '@tide/kube';
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
const logger = createLogger({ level: runtime.logLevel });
guardProcess(logger);

async function main(): Promise<void> {
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
  const code = await runManager(manager);
  // The cleanup also ends the build worker processes.
  await exitProcess(code, { logger, cleanup: () => reconciler.close() });
}

main().catch(async (error: unknown) => {
  logger.error({ err: error }, `kustomize-controller failed: ${messageOf(error)}`);
  await exitProcess(ExitCode.Failed, { logger });
});

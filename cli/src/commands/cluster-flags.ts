/**
 * The flags that say which cluster and namespace a command talks to (flux's names:
 * `-n/--namespace`, `--kubeconfig`, `--context`). Kept apart from the connection so that
 * defining the commands loads no Kubernetes client.
 */
import { Command } from 'commander';

/** Where Flux's own objects live, and so the namespace flux's CLI assumes. */
export const defaultNamespace = 'flux-system';

export interface ClusterFlags {
  readonly namespace: string;
  readonly kubeconfig?: string;
  readonly context?: string;
}

export function addClusterFlags(command: Command): Command {
  return command
    .option('-n, --namespace <namespace>', 'the namespace of the Kustomization', defaultNamespace)
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use (default: its current context)');
}

/**
 * `<verb> kustomization|ks NAME` with the flags build and diff share: where the local tree is
 * and where the Kustomization comes from.
 */
export function kustomizationCommand(description: string): Command {
  return new Command('kustomization')
    .alias('ks')
    .description(description)
    .argument('<name>', 'the name of the Kustomization')
    .option('--path <dir>', 'local directory that matches the Kustomization spec.path')
    .option(
      '--kustomization-file <file>',
      'read the Kustomization from this YAML file instead of the cluster',
    );
}

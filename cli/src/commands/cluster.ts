/**
 * The cluster connection of one command run, made only when needed, so
 * `tide build kustomization --dry-run` never touches the network.
 */
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import type { ClusterFlags } from './cluster-flags.js';
import { CommandError } from './command-error.js';
import { KubeClient, messageOf } from '@tide/kube';

/** Loads the kubeconfig the flags name, or the default one, and selects the context. */
export function loadKubeConfig(flags: ClusterFlags): KubeConfig {
  const where = kubeConfigSource(flags);
  if (flags.kubeconfig !== undefined && !existsSync(flags.kubeconfig))
    throw new CommandError(`--kubeconfig ${flags.kubeconfig}: no such file`);
  const kubeConfig = new KubeConfig();
  try {
    if (flags.kubeconfig === undefined) kubeConfig.loadFromDefault();
    else kubeConfig.loadFromFile(flags.kubeconfig);
  } catch (error) {
    const message = messageOf(error);
    throw new CommandError(`reading the kubeconfig ${where}: ${message}`, { cause: error });
  }
  if (flags.context !== undefined) selectContext(kubeConfig, flags.context, where);
  const cluster = kubeConfig.getCurrentCluster();
  // client-node falls back to http://localhost:8080 when it finds no kubeconfig at all.
  if (cluster?.server.startsWith('https://') !== true)
    throw new CommandError(
      `no cluster to talk to: the kubeconfig ${where} has no current context with an https server; ` +
        'pass --kubeconfig FILE or --context NAME, or set KUBECONFIG',
    );
  return kubeConfig;
}

function kubeConfigSource(flags: ClusterFlags): string {
  if (flags.kubeconfig !== undefined) return flags.kubeconfig;
  const fromEnv = process.env.KUBECONFIG;
  return fromEnv !== undefined && fromEnv !== '' ? `${fromEnv} (KUBECONFIG)` : '~/.kube/config';
}

function selectContext(kubeConfig: KubeConfig, context: string, where: string): void {
  const names = kubeConfig.getContexts().map((entry) => entry.name);
  if (!names.includes(context))
    throw new CommandError(
      `--context ${context}: the kubeconfig ${where} has no such context; it has: ` +
        (names.length === 0 ? '(none)' : names.join(', ')),
    );
  kubeConfig.setCurrentContext(context);
}

/** The kubeconfig and API client of one command run, each made on first use. */
export class ClusterConnection {
  readonly #flags: ClusterFlags;
  #kubeConfig: KubeConfig | undefined;
  #client: KubeClient | undefined;

  constructor(flags: ClusterFlags) {
    this.#flags = flags;
  }

  kubeConfig(): KubeConfig {
    this.#kubeConfig ??= loadKubeConfig(this.#flags);
    return this.#kubeConfig;
  }

  client(): KubeClient {
    this.#client ??= new KubeClient({ kubeConfig: this.kubeConfig() });
    return this.#client;
  }

  /** Closes pooled connections so the process can end. */
  close(): void {
    this.#client?.close();
  }
}

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, httpRequest, waitFor } from './net.js';
import { startProcess, type ManagedProcess } from './process.js';
import { repoRoot } from './repo.js';

/** A Tide controller running as its own process (built to dist/ by `npm run build`). */
export interface ControllerProcess {
  readonly name: string;
  readonly process: ManagedProcess;
  /** `http://127.0.0.1:<port>` of its health endpoint. */
  readonly healthUrl: string;
  readonly metricsUrl: string;
  /** Extra addresses the controller serves, e.g. source-controller's artifact server. */
  readonly addresses: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export interface ControllerProcessOptions {
  readonly kubeconfigPath: string;
  /** A directory the controller may write into (logs, source-controller's storage). */
  readonly workDir: string;
  readonly logLevel?: string;
  readonly extraArgs?: readonly string[];
}

/** The controllers `make dev` and the e2e tests start, and the flags each needs locally. */
const controllerArgs: Record<string, (dir: string, ports: Record<string, number>) => string[]> = {
  'source-controller': (dir, ports) => [
    `--storage-path=${join(dir, 'storage')}`,
    `--storage-addr=127.0.0.1:${ports.storage ?? 0}`,
    `--storage-adv-addr=127.0.0.1:${ports.storage ?? 0}`,
  ],
  // The local artifact server listens on 127.0.0.1 (any port); the default host is the
  // in-cluster source-controller Service, which does not exist here.
  'kustomize-controller': () => ['--artifact-hosts=127.0.0.1'],
};

export const controllerNames = Object.keys(controllerArgs);

/**
 * Starts a controller from its compiled entry point with every endpoint on a free
 * 127.0.0.1 port, and waits until /readyz answers 200 (caches synced, leader or not).
 */
export async function startController(
  name: string,
  options: ControllerProcessOptions,
): Promise<ControllerProcess> {
  const specific = controllerArgs[name];
  if (specific === undefined)
    throw new Error(`unknown controller ${name}; known: ${controllerNames.join(', ')}`);
  const dir = join(options.workDir, name);
  await mkdir(dir, { recursive: true });
  const ports = { metrics: await freePort(), health: await freePort(), storage: await freePort() };
  const process_ = startProcess({
    name,
    command: process.execPath,
    args: [
      ...nodeArgs(),
      join(repoRoot(), 'controllers', name, 'dist', 'src', 'main.js'),
      `--kubeconfig=${options.kubeconfigPath}`,
      `--metrics-addr=127.0.0.1:${ports.metrics}`,
      `--health-addr=127.0.0.1:${ports.health}`,
      `--log-level=${options.logLevel ?? 'info'}`,
      ...specific(dir, ports),
      ...(options.extraArgs ?? []),
    ],
    logFile: join(dir, 'controller.log'),
    env: { ...process.env, RUNTIME_NAMESPACE: 'default' },
  });
  const healthUrl = `http://127.0.0.1:${ports.health}`;
  try {
    await waitFor(
      async () => {
        if (!process_.running()) throw new Error(`${name} exited during start-up`);
        return (await httpRequest(`${healthUrl}/readyz`, { timeoutMs: 1000 })).status === 200
          ? true
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `${name} to be ready` },
    );
  } catch (error) {
    const log = process_.logTail(30);
    await process_.stop();
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\n--- ${name} log ---\n${log}`,
      { cause: error },
    );
  }
  return {
    name,
    process: process_,
    healthUrl,
    metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
    addresses: name === 'source-controller' ? { storage: `127.0.0.1:${ports.storage}` } : {},
    stop: () => process_.stop(35_000),
  };
}

/**
 * Node's flags for a controller process: as in the image, `Object.prototype.__proto__` is
 * removed (--disable-proto=delete); then TIDE_CONTROLLER_NODE_ARGS (space-separated), for
 * profiling: `--cpu-prof --cpu-prof-dir=/tmp/prof` is refused in NODE_OPTIONS.
 */
function nodeArgs(): string[] {
  const extra = (process.env.TIDE_CONTROLLER_NODE_ARGS ?? '').split(' ');
  return ['--disable-proto=delete', ...extra.filter((arg) => arg !== '')];
}

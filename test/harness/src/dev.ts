/**
 * `make dev`: Tide on an embedded control plane, with a local Git server serving a demo fleet
 * repository. Starts the dev environment (dev-environment.ts), prints how to reach it and a
 * walk-through that needs no internet, and runs until Ctrl-C (SIGINT) or SIGTERM.
 */
import { once } from 'node:events';
import { startDevEnvironment, type DevEnvironment } from './dev-environment.js';
import { formatWalkthrough } from './dev-walkthrough.js';

let env: DevEnvironment;
try {
  env = await startDevEnvironment();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
const { controlPlane, gitServer, fleet } = env;
process.stdout.write(
  [
    `Tide dev environment is up (Kubernetes ${controlPlane.kubernetesVersion} at ${controlPlane.server}).`,
    `kubeconfig: ${controlPlane.kubeconfigPath}`,
    `git server: ${gitServer.url} (no auth; demo fleet repository ${fleet.url})`,
    ...env.controllers.map(
      (c) =>
        `controller: ${c.name} (pid ${c.process.pid}, metrics ${c.metricsUrl}${Object.entries(
          c.addresses,
        )
          .map(([k, v]) => `, ${k} http://${v}`)
          .join('')}, log ${env.logFiles[c.name] ?? ''})`,
    ),
    '',
    'Walk-through: in another terminal, paste each block, in order, into the same shell.',
    '',
    formatWalkthrough(env.walkthrough),
    'Press Ctrl-C to stop; everything started here is removed.',
    '',
  ].join('\n'),
);

const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
process.stdout.write(`\nreceived ${String(signal[0] ?? 'signal')}, stopping ...\n`);
await env.stop();
process.stdout.write('stopped.\n');

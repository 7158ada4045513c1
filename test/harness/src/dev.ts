/**
 * `make dev`: Tide on an embedded control plane. Starts kube-apiserver + etcd, installs every
 * CRD in crds/, prints how to reach it, and runs until Ctrl-C (SIGINT) or SIGTERM.
 */
import { once } from 'node:events';
import { startControlPlane } from './control-plane.js';

const controlPlane = await startControlPlane({ crds: true });
const { kubeconfigPath } = controlPlane;
process.stdout.write(
  [
    `Tide dev environment is up (Kubernetes ${controlPlane.kubernetesVersion} at ${controlPlane.server}).`,
    `kubeconfig: ${kubeconfigPath}`,
    '',
    'Try:',
    `  export KUBECONFIG=${kubeconfigPath}`,
    '  kubectl get crds',
    '',
    'Press Ctrl-C to stop; everything started here is removed.',
    '',
  ].join('\n'),
);

const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
process.stdout.write(`\nreceived ${String(signal[0] ?? 'signal')}, stopping ...\n`);
await controlPlane.stop();
process.stdout.write('stopped.\n');

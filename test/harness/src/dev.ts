/**
 * `make dev`: Tide on an embedded control plane. Starts kube-apiserver + etcd, installs every
 * CRD in crds/, starts each controller as its own process, prints how to reach it, and runs
 * until Ctrl-C (SIGINT) or SIGTERM.
 */
import { once } from 'node:events';
import { startControlPlane } from './control-plane.js';
import { controllerNames, startController, type ControllerProcess } from './controllers.js';

const controlPlane = await startControlPlane({ crds: true });
const controllers: ControllerProcess[] = [];
const stopAll = async () => {
  await Promise.all(controllers.map((c) => c.stop()));
  await controlPlane.stop();
};
try {
  for (const name of controllerNames) {
    controllers.push(
      await startController(name, {
        kubeconfigPath: controlPlane.kubeconfigPath,
        workDir: controlPlane.dir,
      }),
    );
  }
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  await stopAll();
  process.exit(1);
}
const { kubeconfigPath } = controlPlane;
process.stdout.write(
  [
    `Tide dev environment is up (Kubernetes ${controlPlane.kubernetesVersion} at ${controlPlane.server}).`,
    `kubeconfig: ${kubeconfigPath}`,
    ...controllers.map(
      (c) =>
        `controller: ${c.name} (pid ${c.process.pid}, metrics ${c.metricsUrl}${Object.entries(
          c.addresses,
        )
          .map(([k, v]) => `, ${k} http://${v}`)
          .join('')}, log ${controlPlane.dir}/${c.name}/controller.log)`,
    ),
    '',
    'Try:',
    `  export KUBECONFIG=${kubeconfigPath}`,
    '  kubectl get crds',
    '  kubectl apply -f - <<EOF',
    '  apiVersion: source.toolkit.fluxcd.io/v1',
    '  kind: GitRepository',
    '  metadata: { name: podinfo, namespace: default }',
    '  spec: { url: https://github.com/stefanprodan/podinfo, interval: 1m, ref: { branch: master } }',
    '  EOF',
    '  kubectl apply -f - <<EOF',
    '  apiVersion: kustomize.toolkit.fluxcd.io/v1',
    '  kind: Kustomization',
    '  metadata: { name: podinfo, namespace: default }',
    '  spec: { interval: 5m, path: ./kustomize, prune: true, targetNamespace: default, sourceRef: { kind: GitRepository, name: podinfo } }',
    '  EOF',
    '  kubectl get gitrepositories,kustomizations -w',
    '',
    'Press Ctrl-C to stop; everything started here is removed.',
    '',
  ].join('\n'),
);

const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
process.stdout.write(`\nreceived ${String(signal[0] ?? 'signal')}, stopping ...\n`);
await stopAll();
process.stdout.write('stopped.\n');

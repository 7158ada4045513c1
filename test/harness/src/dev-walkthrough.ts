/**
 * The walk-through `make dev` prints, as data: the one source the printed text, the README's
 * copy (with placeholders) and the e2e test that runs it step by step all come from.
 */
import { demoFleet } from './demo-fleet.js';

/** The values a running dev environment fills in; the README shows placeholders instead. */
export interface WalkthroughValues {
  readonly kubeconfigPath: string;
  /** A directory holding a kubectl that matches the control plane (the test oracle). */
  readonly kubectlDir: string;
  /** The demo fleet repository's clone URL. */
  readonly gitUrl: string;
  /** Where the walk-through clones the repository to push a change (must not exist yet). */
  readonly cloneDir: string;
}

export interface WalkthroughStep {
  /** What the step is for: printed as a `#` comment above its commands. */
  readonly title: string;
  /** Shell text to paste, one command per line; every command finishes on its own. */
  readonly commands: string;
}

/** Steps in the order they are printed; each part runs in the shell the setup step prepared. */
export interface Walkthrough {
  /** Sets up the shell (exports): every later step assumes it ran in the same shell. */
  readonly setup: WalkthroughStep;
  /** Apply a GitRepository and a Kustomization of the demo overlay; see the objects appear. */
  readonly apply: readonly WalkthroughStep[];
  /** Push a change with the git CLI; see it applied. */
  readonly change: readonly WalkthroughStep[];
}

/** The values the README shows where `make dev` prints real ones. */
export const walkthroughPlaceholders: WalkthroughValues = {
  kubeconfigPath: '<kubeconfig>',
  kubectlDir: '<kubectl-dir>',
  gitUrl: '<git-url>',
  cloneDir: '<clone-dir>',
};

export function devWalkthrough(values: WalkthroughValues): Walkthrough {
  const { namespace, app, overlayPath, replicasFile, replicasBefore, replicasAfter } = demoFleet;
  const { gitRepository: gitRepositoryName, kustomization: kustomizationName } = demoFleet;
  const clone = values.cloneDir;
  return {
    setup: {
      title:
        'Use the dev cluster (the PATH line puts a kubectl v1.36 first; skip it if yours fits)',
      commands: [
        `export KUBECONFIG=${values.kubeconfigPath}`,
        `export PATH=${values.kubectlDir}:$PATH`,
      ].join('\n'),
    },
    apply: [
      {
        title: 'Point Tide at the demo fleet repository and at the overlay to apply from it',
        commands: [
          'kubectl apply -f - <<EOF',
          'apiVersion: source.toolkit.fluxcd.io/v1',
          'kind: GitRepository',
          'metadata:',
          `  name: ${gitRepositoryName}`,
          '  namespace: default',
          'spec:',
          `  url: ${values.gitUrl}`,
          '  interval: 30s',
          '  ref:',
          `    branch: ${demoFleet.branch}`,
          '---',
          'apiVersion: kustomize.toolkit.fluxcd.io/v1',
          'kind: Kustomization',
          'metadata:',
          `  name: ${kustomizationName}`,
          '  namespace: default',
          'spec:',
          '  interval: 1m',
          `  path: ${overlayPath}`,
          '  prune: true',
          '  sourceRef:',
          '    kind: GitRepository',
          `    name: ${gitRepositoryName}`,
          'EOF',
        ].join('\n'),
      },
      {
        title: 'Wait until both are Ready: the revision fetched, then applied',
        commands: [
          `kubectl wait --for=condition=Ready gitrepository/${gitRepositoryName} kustomization/${kustomizationName} --timeout=90s`,
          'kubectl get gitrepositories,kustomizations',
        ].join('\n'),
      },
      {
        title: `See what it applied (${String(replicasBefore)} replicas from the overlay; no nodes here, so no Pods start)`,
        commands: `kubectl get deployments,services,configmaps -n ${namespace} -l env=dev`,
      },
    ],
    change: [
      {
        title: 'Change the repository: clone it, edit the overlay, commit, push',
        commands: [
          `git clone -q -c user.name='Tide dev' -c user.email=dev@tide.invalid ${values.gitUrl} ${clone}`,
          `sed -i 's/replicas: ${String(replicasBefore)}/replicas: ${String(replicasAfter)}/' ${clone}/${replicasFile}`,
          `git -C ${clone} commit -q -am '${app}: ${String(replicasAfter)} replicas'`,
          `git -C ${clone} push -q`,
        ].join('\n'),
      },
      {
        title:
          'Ask for a reconcile now rather than within 30s, and wait for the change to be applied',
        commands: [
          `kubectl annotate --overwrite gitrepository/${gitRepositoryName} reconcile.fluxcd.io/requestedAt="$(date +%s)"`,
          `kubectl wait --for=jsonpath='{.spec.replicas}'=${String(replicasAfter)} deployment/${app} -n ${namespace} --timeout=90s`,
          `kubectl get kustomization ${kustomizationName} -o jsonpath='{.status.lastAppliedRevision}{"\\n"}'`,
        ].join('\n'),
      },
    ],
  };
}

/** The walk-through as a person pastes it: numbered `#` titles, each step's commands below. */
export function formatWalkthrough(walkthrough: Walkthrough): string {
  return [walkthrough.setup, ...walkthrough.apply, ...walkthrough.change]
    .map((step, index) => `# ${String(index + 1)}. ${step.title}\n${step.commands}\n`)
    .join('\n');
}

/**
 * The demo fleet repository `make dev` serves from the harness Git server: one small web app
 * as a base (Namespace, ConfigMap, Deployment, Service) and a `dev` overlay that labels it
 * and raises its replicas. The walk-through applies the overlay and pushes a change to it.
 */

/** Names the walk-through and its test share with the files below. */
export const demoFleet = {
  /** The repository's name on the Git server (`<git server>/fleet.git`). */
  repository: 'fleet',
  branch: 'main',
  /** The namespace the app lives in (created by the base). */
  namespace: 'demo',
  app: 'web',
  /** The overlay the Kustomization applies, relative to the repository root. */
  overlayPath: './apps/dev',
  /** The overlay file the walk-through edits, and the replicas before and after the edit. */
  replicasFile: 'apps/dev/replicas.yaml',
  replicasBefore: 2,
  replicasAfter: 3,
  /** The GitRepository and Kustomization (in `default`) the walk-through applies. */
  gitRepository: 'fleet',
  kustomization: 'demo',
} as const;

const { namespace, app } = demoFleet;

export const demoFleetFiles: Readonly<Record<string, string>> = {
  'README.md': [
    '# Demo fleet',
    '',
    'Served by `make dev`. `apps/base` is a small web app; `apps/dev` is the overlay a',
    'Kustomization applies: it adds the label `env: dev` and sets the replicas.',
    '',
  ].join('\n'),
  'apps/base/kustomization.yaml': [
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    '  - namespace.yaml',
    '  - configmap.yaml',
    '  - deployment.yaml',
    '  - service.yaml',
    '',
  ].join('\n'),
  'apps/base/namespace.yaml': [
    'apiVersion: v1',
    'kind: Namespace',
    'metadata:',
    `  name: ${namespace}`,
    '',
  ].join('\n'),
  'apps/base/configmap.yaml': [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${app}`,
    `  namespace: ${namespace}`,
    'data:',
    '  GREETING: hello from the demo fleet',
    '',
  ].join('\n'),
  'apps/base/deployment.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${app}`,
    `  namespace: ${namespace}`,
    'spec:',
    '  replicas: 1',
    '  selector:',
    '    matchLabels:',
    `      app: ${app}`,
    '  template:',
    '    metadata:',
    '      labels:',
    `        app: ${app}`,
    '    spec:',
    '      containers:',
    `        - name: ${app}`,
    '          image: nginx:1.27',
    '          ports:',
    '            - containerPort: 80',
    '          envFrom:',
    '            - configMapRef:',
    `                name: ${app}`,
    '',
  ].join('\n'),
  'apps/base/service.yaml': [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    `  name: ${app}`,
    `  namespace: ${namespace}`,
    'spec:',
    '  selector:',
    `    app: ${app}`,
    '  ports:',
    '    - port: 80',
    '      targetPort: 80',
    '',
  ].join('\n'),
  'apps/dev/kustomization.yaml': [
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    '  - ../base',
    'labels:',
    '  - pairs:',
    '      env: dev',
    'patches:',
    '  - path: replicas.yaml',
    '',
  ].join('\n'),
  [demoFleet.replicasFile]: [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${app}`,
    `  namespace: ${namespace}`,
    'spec:',
    `  replicas: ${demoFleet.replicasBefore}`,
    '',
  ].join('\n'),
};

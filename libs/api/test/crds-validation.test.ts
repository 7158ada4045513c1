// Bad objects are refused by the real API server, each with a message that names the field a
// person has to fix. One valid object per kind, one mutation per case.
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  apiRequest,
  oracles,
  run,
  sharedControlPlane,
  type SharedControlPlane,
} from '@tide/harness';
import { kindDefinitions } from '../src/index.js';

type Manifest = Record<string, unknown> & { spec: Record<string, unknown> };

const valid: Record<string, Manifest> = {
  GitRepository: {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    spec: { url: 'https://example.com/repo.git', interval: '1m' },
  },
  HelmRepository: {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'HelmRepository',
    spec: { url: 'https://charts.example.com', interval: '10m' },
  },
  HelmChart: {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'HelmChart',
    spec: { chart: 'podinfo', interval: '5m', sourceRef: { kind: 'HelmRepository', name: 'p' } },
  },
  OCIRepository: {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'OCIRepository',
    spec: { url: 'oci://ghcr.io/org/manifests', interval: '5m' },
  },
  Bucket: {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'Bucket',
    spec: { bucketName: 'b', endpoint: 'minio:9000', interval: '5m' },
  },
  Kustomization: {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    spec: { interval: '10m', prune: true, sourceRef: { kind: 'GitRepository', name: 'repo' } },
  },
  HelmRelease: {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    spec: {
      interval: '10m',
      chart: { spec: { chart: 'podinfo', sourceRef: { kind: 'HelmRepository', name: 'p' } } },
    },
  },
  ImageRepository: {
    apiVersion: 'image.toolkit.fluxcd.io/v1',
    kind: 'ImageRepository',
    spec: { image: 'ghcr.io/org/app', interval: '5m' },
  },
  ImagePolicy: {
    apiVersion: 'image.toolkit.fluxcd.io/v1',
    kind: 'ImagePolicy',
    spec: { imageRepositoryRef: { name: 'app' }, policy: { semver: { range: '1.x' } } },
  },
  ImageUpdateAutomation: {
    apiVersion: 'image.toolkit.fluxcd.io/v1',
    kind: 'ImageUpdateAutomation',
    spec: {
      interval: '30m',
      sourceRef: { kind: 'GitRepository', name: 'repo' },
      git: { commit: { author: { email: 'bot@example.com' } } },
    },
  },
};

interface NegativeCase {
  readonly what: string;
  readonly kind: string;
  /** Overrides the storage version, to check an older version's own rules. */
  readonly apiVersion?: string;
  readonly spec: (spec: Record<string, unknown>) => Record<string, unknown>;
  /** What the API server's message must contain: the field path, and the rule's words. */
  readonly message: RegExp;
  /** 422 Invalid for schema violations; strict field validation answers 400. */
  readonly status?: number;
}

const without = (spec: Record<string, unknown>, field: string) =>
  Object.fromEntries(Object.entries(spec).filter(([key]) => key !== field));

const cases: readonly NegativeCase[] = [
  {
    what: 'an interval that is no Go duration',
    kind: 'GitRepository',
    spec: (s) => ({ ...s, interval: '1 minute' }),
    message: /spec\.interval: Invalid value: "1 minute": spec\.interval in body should match/,
  },
  {
    what: 'a missing url',
    kind: 'GitRepository',
    spec: (s) => without(s, 'url'),
    message: /spec\.url: Required value/,
  },
  {
    what: 'a url with an unsupported scheme',
    kind: 'GitRepository',
    spec: (s) => ({ ...s, url: 'ftp://example.com/repo.git' }),
    message: /spec\.url: Invalid value: "ftp:\/\/example\.com\/repo\.git"/,
  },
  {
    what: 'a timeout in hours',
    kind: 'GitRepository',
    spec: (s) => ({ ...s, timeout: '1h' }),
    message: /spec\.timeout: Invalid value: "1h"/,
  },
  {
    what: 'an unknown verification mode',
    kind: 'GitRepository',
    spec: (s) => ({ ...s, verify: { mode: 'always', secretRef: { name: 'keys' } } }),
    message: /spec\.verify\.mode: Unsupported value: "always"/,
  },
  {
    what: 'an unknown field (strict field validation)',
    kind: 'GitRepository',
    spec: (s) => ({ ...s, branch: 'main' }),
    message: /unknown field "spec\.branch"/,
    status: 400,
  },
  {
    what: 'a service account without a cloud provider',
    kind: 'GitRepository',
    spec: (s) => ({ ...s, provider: 'github', serviceAccountName: 'git-reader' }),
    message:
      /spec\.serviceAccountName: .*spec\.serviceAccountName can only be set when spec\.provider is 'azure' or 'aws'/,
  },
  {
    what: 'an unknown repository type',
    kind: 'HelmRepository',
    spec: (s) => ({ ...s, type: 'git' }),
    message: /spec\.type: Unsupported value: "git": supported values: "default", "oci"/,
  },
  {
    what: 'an OCI repository type with an https url',
    kind: 'HelmRepository',
    spec: (s) => ({ ...s, type: 'oci' }),
    message: /spec\.url: .*spec\.url must start with oci:\/\/ when spec\.type is 'oci'/,
  },
  {
    what: 'an unknown sourceRef kind',
    kind: 'HelmChart',
    spec: (s) => ({ ...s, sourceRef: { kind: 'OCIRepository', name: 'p' } }),
    message: /spec\.sourceRef\.kind: Unsupported value: "OCIRepository"/,
  },
  {
    what: 'an unknown reconcile strategy',
    kind: 'HelmChart',
    spec: (s) => ({ ...s, reconcileStrategy: 'Latest' }),
    message: /spec\.reconcileStrategy: Unsupported value: "Latest"/,
  },
  {
    what: 'a missing chart',
    kind: 'HelmChart',
    spec: (s) => without(s, 'chart'),
    message: /spec\.chart: Required value/,
  },
  {
    what: 'a url that is not oci://',
    kind: 'OCIRepository',
    spec: (s) => ({ ...s, url: 'https://ghcr.io/org/manifests' }),
    message: /spec\.url: Invalid value: "https:\/\/ghcr\.io\/org\/manifests"/,
  },
  {
    what: 'an unknown layer operation',
    kind: 'OCIRepository',
    spec: (s) => ({ ...s, layerSelector: { operation: 'unpack' } }),
    message: /spec\.layerSelector\.operation: Unsupported value: "unpack"/,
  },
  {
    what: 'a missing bucket name',
    kind: 'Bucket',
    spec: (s) => without(s, 'bucketName'),
    message: /spec\.bucketName: Required value/,
  },
  {
    what: 'an unknown bucket provider',
    kind: 'Bucket',
    spec: (s) => ({ ...s, provider: 'minio' }),
    message: /spec\.provider: Unsupported value: "minio"/,
  },
  {
    what: 'STS with a provider that has none',
    kind: 'Bucket',
    spec: (s) => ({
      ...s,
      provider: 'gcp',
      sts: { provider: 'aws', endpoint: 'https://sts.example.com' },
    }),
    message: /spec\.sts: .*spec\.sts is only supported with spec\.provider 'aws' or 'generic'/,
  },
  {
    what: 'an LDAP STS for the aws provider',
    kind: 'Bucket',
    spec: (s) => ({
      ...s,
      provider: 'aws',
      sts: { provider: 'ldap', endpoint: 'https://sts.example.com' },
    }),
    message:
      /spec\.sts\.provider: .*spec\.sts\.provider must be 'aws' when spec\.provider is 'aws'/,
  },
  {
    what: 'a service account with the generic provider',
    kind: 'Bucket',
    spec: (s) => ({ ...s, serviceAccountName: 'reader' }),
    message:
      /spec\.serviceAccountName: .*spec\.serviceAccountName is not supported with spec\.provider 'generic'/,
  },
  {
    what: 'a source kind Kustomization cannot read',
    kind: 'Kustomization',
    spec: (s) => ({ ...s, sourceRef: { kind: 'HelmRepository', name: 'repo' } }),
    message: /spec\.sourceRef\.kind: Unsupported value: "HelmRepository"/,
  },
  {
    what: 'a missing prune',
    kind: 'Kustomization',
    spec: (s) => without(s, 'prune'),
    message: /spec\.prune: Required value/,
  },
  {
    what: 'an unknown deletion policy',
    kind: 'Kustomization',
    spec: (s) => ({ ...s, deletionPolicy: 'Keep' }),
    message: /spec\.deletionPolicy: Unsupported value: "Keep"/,
  },
  {
    what: 'a kubeConfig with both a Secret and a ConfigMap',
    kind: 'Kustomization',
    spec: (s) => ({ ...s, kubeConfig: { secretRef: { name: 'a' }, configMapRef: { name: 'b' } } }),
    message:
      /spec\.kubeConfig: .*exactly one of spec\.kubeConfig\.secretRef, spec\.kubeConfig\.configMapRef must be set/,
  },
  {
    what: 'a target namespace longer than a namespace name',
    kind: 'Kustomization',
    spec: (s) => ({ ...s, targetNamespace: 'n'.repeat(64) }),
    message: /spec\.targetNamespace: Too long/,
  },
  {
    what: 'a substituteFrom of an unknown kind',
    kind: 'Kustomization',
    spec: (s) => ({ ...s, postBuild: { substituteFrom: [{ kind: 'Pod', name: 'x' }] } }),
    message: /spec\.postBuild\.substituteFrom\[0\]\.kind: Unsupported value: "Pod"/,
  },
  {
    what: 'an unknown validation mode in v1beta1',
    kind: 'Kustomization',
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1beta1',
    spec: (s) => ({ ...s, validation: 'strict' }),
    message: /spec\.validation: Unsupported value: "strict"/,
  },
  {
    what: 'both chart and chartRef',
    kind: 'HelmRelease',
    spec: (s) => ({ ...s, chartRef: { kind: 'OCIRepository', name: 'podinfo' } }),
    message: /spec: .*exactly one of spec\.chart, spec\.chartRef must be set/,
  },
  {
    what: 'neither chart nor chartRef',
    kind: 'HelmRelease',
    spec: (s) => without(s, 'chart'),
    message: /spec: .*exactly one of spec\.chart, spec\.chartRef must be set/,
  },
  {
    what: 'a chartRef to a kind that holds no chart',
    kind: 'HelmRelease',
    spec: (s) => ({ ...without(s, 'chart'), chartRef: { kind: 'HelmRepository', name: 'p' } }),
    message: /spec\.chartRef\.kind: Unsupported value: "HelmRepository"/,
  },
  {
    what: 'an unknown upgrade remediation strategy',
    kind: 'HelmRelease',
    spec: (s) => ({ ...s, upgrade: { remediation: { strategy: 'retry' } } }),
    message: /spec\.upgrade\.remediation\.strategy: Unsupported value: "retry"/,
  },
  {
    what: 'a release name longer than Helm allows',
    kind: 'HelmRelease',
    spec: (s) => ({ ...s, releaseName: 'r'.repeat(54) }),
    message: /spec\.releaseName: Too long/,
  },
  {
    what: 'valuesFrom an unknown kind',
    kind: 'HelmRelease',
    spec: (s) => ({ ...s, valuesFrom: [{ kind: 'Pod', name: 'x' }] }),
    message: /spec\.valuesFrom\[0\]\.kind: Unsupported value: "Pod"/,
  },
  {
    what: 'an unknown drift detection mode',
    kind: 'HelmRelease',
    spec: (s) => ({ ...s, driftDetection: { mode: 'on' } }),
    message: /spec\.driftDetection\.mode: Unsupported value: "on"/,
  },
  {
    what: 'an unknown chart sourceRef kind in v2beta1',
    kind: 'HelmRelease',
    apiVersion: 'helm.toolkit.fluxcd.io/v2beta1',
    spec: (s) => ({
      ...s,
      chart: { spec: { chart: 'p', sourceRef: { kind: 'OCIRepository', name: 'p' } } },
    }),
    message: /spec\.chart\.spec\.sourceRef\.kind: Unsupported value: "OCIRepository"/,
  },
  {
    what: 'a missing image',
    kind: 'ImageRepository',
    spec: (s) => without(s, 'image'),
    message: /spec\.image: Required value/,
  },
  {
    what: 'an unknown registry provider',
    kind: 'ImageRepository',
    spec: (s) => ({ ...s, provider: 'docker' }),
    message: /spec\.provider: Unsupported value: "docker"/,
  },
  {
    what: 'two policies at once',
    kind: 'ImagePolicy',
    spec: (s) => ({ ...s, policy: { semver: { range: '1.x' }, alphabetical: { order: 'asc' } } }),
    message:
      /spec\.policy: .*exactly one of spec\.policy\.semver, spec\.policy\.alphabetical, spec\.policy\.numerical must be set/,
  },
  {
    what: 'no policy at all',
    kind: 'ImagePolicy',
    spec: (s) => ({ ...s, policy: {} }),
    message: /spec\.policy: .*exactly one of spec\.policy\.semver/,
  },
  {
    what: 'an unknown alphabetical order',
    kind: 'ImagePolicy',
    spec: (s) => ({ ...s, policy: { alphabetical: { order: 'up' } } }),
    message: /spec\.policy\.alphabetical\.order: Unsupported value: "up"/,
  },
  {
    what: 'an interval without digest reflection Always',
    kind: 'ImagePolicy',
    spec: (s) => ({ ...s, interval: '10m' }),
    message:
      /spec\.interval: .*spec\.interval is only accepted when spec\.digestReflectionPolicy is 'Always'/,
  },
  {
    what: 'digest reflection Always without an interval',
    kind: 'ImagePolicy',
    spec: (s) => ({ ...s, digestReflectionPolicy: 'Always' }),
    message:
      /spec\.interval: .*spec\.interval must be set when spec\.digestReflectionPolicy is 'Always'/,
  },
  {
    what: 'two policies at once in v1beta1',
    kind: 'ImagePolicy',
    apiVersion: 'image.toolkit.fluxcd.io/v1beta1',
    spec: (s) => ({ ...s, policy: { semver: { range: '1.x' }, numerical: { order: 'asc' } } }),
    message: /spec\.policy: .*exactly one of/,
  },
  {
    what: 'a source that is not a GitRepository',
    kind: 'ImageUpdateAutomation',
    spec: (s) => ({ ...s, sourceRef: { kind: 'OCIRepository', name: 'repo' } }),
    message: /spec\.sourceRef\.kind: Unsupported value: "OCIRepository"/,
  },
  {
    what: 'an unknown update strategy',
    kind: 'ImageUpdateAutomation',
    spec: (s) => ({ ...s, update: { strategy: 'Replace' } }),
    message: /spec\.update\.strategy: Unsupported value: "Replace"/,
  },
  {
    what: 'a commit author without email',
    kind: 'ImageUpdateAutomation',
    spec: (s) => ({ ...s, git: { commit: { author: { name: 'bot' } } } }),
    message: /spec\.git\.commit\.author\.email: Required value/,
  },
];

let controlPlane: SharedControlPlane;
let namespace: string;

beforeAll(async () => {
  controlPlane = sharedControlPlane();
  namespace = await controlPlane.createNamespace('api-validation');
});

describe('the API server refuses a bad object with a message naming the field', () => {
  it('has a valid base object per kind, which is accepted', async () => {
    expect(Object.keys(valid).sort()).toEqual(kindDefinitions.map((d) => d.kind).sort());
    for (const [kind, manifest] of Object.entries(valid)) {
      const response = await create(kind, manifest, `valid-${kind.toLowerCase()}`);
      expect([response.status, kind, response.text]).toEqual([201, kind, expect.any(String)]);
    }
  });

  it.each(cases.map((c, i) => [c.what, c.kind, i, c] as const))(
    'refuses %s (%s)',
    async (_what, kind, index, negative) => {
      const base = valid[kind];
      if (base === undefined) throw new Error(`no valid ${kind}`);
      const manifest = {
        ...base,
        ...(negative.apiVersion === undefined ? {} : { apiVersion: negative.apiVersion }),
        spec: negative.spec(structuredClone(base.spec)),
      };
      const response = await create(kind, manifest, `bad-${String(index)}`);
      expect(response.status).toBe(negative.status ?? 422);
      const status = response.body as { message?: string };
      expect(status.message).toMatch(negative.message);
    },
  );

  it('shows the same message through kubectl apply', async () => {
    const { kubectl } = await oracles();
    const manifest = {
      ...valid.ImagePolicy,
      metadata: { name: 'kubectl-two-policies' },
      spec: {
        imageRepositoryRef: { name: 'app' },
        policy: { semver: { range: '1.x' }, numerical: { order: 'asc' } },
      },
    };
    await expect(
      run(
        kubectl,
        ['--kubeconfig', controlPlane.kubeconfigPath, 'apply', '-n', namespace, '-f', '-'],
        { input: JSON.stringify(manifest) },
      ),
    ).rejects.toThrow(
      /The ImagePolicy "kubectl-two-policies" is invalid: spec\.policy: Invalid value: .*exactly one of spec\.policy\.semver/,
    );
  });
});

function create(kind: string, manifest: Record<string, unknown>, name: string) {
  const definition = kindDefinitions.find((d) => d.kind === kind);
  if (definition === undefined) throw new Error(`no kind ${kind}`);
  const apiVersion = String(manifest.apiVersion);
  return apiRequest(controlPlane.connection, {
    method: 'POST',
    path: `/apis/${apiVersion}/namespaces/${namespace}/${definition.plural}?fieldValidation=Strict`,
    body: { ...manifest, metadata: { name } },
  });
}

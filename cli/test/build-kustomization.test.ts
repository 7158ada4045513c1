import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asKustomization, type Kustomization } from '@tide/api';
import { apiRequest, makeTempDir, sharedControlPlane, type TempDir } from '@tide/harness';
import { runTide, yamlObjects } from './tide-process.js';
import { KubeClient } from '@tide/kube';
import { readData, renderKustomization } from '@tide/kustomization';

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
`;

const settings = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  greeting: \${greeting}
  region: \${region}
  tier: \${tier:=free}
`;

const plainSecret = `apiVersion: v1
kind: Secret
metadata:
  name: plain
stringData:
  password: hunter2
`;

// The shape `sops --encrypt` leaves in Git: encrypted values and a sops block with a MAC.
const sopsSecret = `apiVersion: v1
kind: Secret
metadata:
  name: encrypted
stringData:
  password: ENC[AES256_GCM,data:q83z,iv:abc=,tag:def=,type:str]
sops:
  mac: ENC[AES256_GCM,data:Zm9v,iv:abc=,tag:def=,type:str]
  version: 3.9.0
`;

function kustomizationSpec(namespace: string): Kustomization['spec'] {
  return {
    interval: '10m',
    prune: true,
    path: './app',
    sourceRef: { kind: 'GitRepository', name: 'repo' },
    targetNamespace: namespace,
    namePrefix: 'prod-',
    images: [{ name: 'nginx', newTag: '1.27' }],
    patches: [
      {
        patch: '[{"op": "replace", "path": "/spec/replicas", "value": 3}]',
        target: { kind: 'Deployment' },
      },
    ],
    commonMetadata: { labels: { team: 'web' } },
    postBuild: {
      substitute: { greeting: 'hello' },
      substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-vars' }],
    },
  };
}

describe('tide build kustomization', () => {
  const shared = sharedControlPlane();
  let namespace: string;
  let dir: TempDir;
  let client: KubeClient;
  let cluster: string[];

  beforeAll(async () => {
    namespace = await shared.createNamespace('cli-build');
    cluster = ['-n', namespace, '--kubeconfig', shared.kubeconfigPath];
    client = new KubeClient({ kubeConfig: shared.kubeConfig });
    dir = await makeTempDir('cli-build-ks');
    await mkdir(join(dir.path, 'app'));
    await writeFile(join(dir.path, 'app', 'deployment.yaml'), deployment);
    await writeFile(join(dir.path, 'app', 'settings.yaml'), settings);
    await writeFile(
      join(dir.path, 'app', 'kustomization.yaml'),
      'resources:\n- deployment.yaml\n- settings.yaml\n',
    );
    await mkdir(join(dir.path, 'secrets'));
    await writeFile(join(dir.path, 'secrets', 'plain.yaml'), plainSecret);
    await writeFile(join(dir.path, 'secrets', 'encrypted.yaml'), sopsSecret);
    await create(`/api/v1/namespaces/${namespace}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cluster-vars' },
      data: { region: 'eu-west-1' },
    });
    await create(`/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${namespace}/kustomizations`, {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'app' },
      spec: kustomizationSpec(namespace),
    });
  });

  afterAll(async () => {
    client.close();
    await dir.remove();
  });

  async function create(path: string, body: object): Promise<void> {
    const response = await apiRequest(shared.connection, { method: 'POST', path, body });
    if (response.status !== 201)
      throw new Error(`POST ${path}: ${response.status} ${response.text}`);
  }

  async function liveKustomization(): Promise<Kustomization> {
    const path = `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${namespace}/kustomizations/app`;
    return asKustomization((await apiRequest(shared.connection, { method: 'GET', path })).body);
  }

  async function writeKustomizationFile(name: string, text: string): Promise<string> {
    const file = join(dir.path, name);
    await writeFile(file, text);
    return file;
  }

  it('prints what the controller would apply for the Kustomization in the cluster', async () => {
    const run = await runTide([
      'build',
      'kustomization',
      'app',
      '--path',
      join(dir.path, 'app'),
      ...cluster,
    ]);
    expect(run).toMatchObject({ code: 0, stderr: '' });

    const rendered = await renderKustomization(await liveKustomization(), join(dir.path, 'app'), {
      readData: (reference) => readData(client, namespace, reference),
      strictSubstitutions: false,
      remoteBases: false,
    });
    expect(yamlObjects(run.stdout)).toEqual(rendered);

    const owner = {
      'kustomize.toolkit.fluxcd.io/name': 'app',
      'kustomize.toolkit.fluxcd.io/namespace': namespace,
    };
    expect(yamlObjects(run.stdout)).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'prod-settings', namespace, labels: { team: 'web', ...owner } },
        data: { greeting: 'hello', region: 'eu-west-1', tier: 'free' },
      },
      expect.objectContaining({
        kind: 'Deployment',
        metadata: { name: 'prod-web', namespace, labels: { team: 'web', ...owner } },
        spec: expect.objectContaining({
          replicas: 3,
          template: expect.objectContaining({
            spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
          }) as unknown,
        }) as unknown,
      }),
    ]);
  });

  it('finds the cluster through KUBECONFIG and accepts the ks alias', async () => {
    const flagged = await runTide([
      'build',
      'ks',
      'app',
      '--path',
      join(dir.path, 'app'),
      ...cluster,
    ]);
    const fromEnv = await runTide(
      ['build', 'ks', 'app', '--path', join(dir.path, 'app'), '-n', namespace],
      {
        env: { ...process.env, KUBECONFIG: shared.kubeconfigPath },
      },
    );
    expect(fromEnv).toEqual(flagged);
  });

  it('takes the spec from --kustomization-file, still reading substituteFrom in the cluster', async () => {
    const file = await writeKustomizationFile(
      'staging.yaml',
      [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata:',
        '  name: other',
        '---',
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata:',
        '  name: app',
        'spec:',
        '  interval: 5m',
        '  prune: false',
        '  sourceRef: {kind: GitRepository, name: repo}',
        `  targetNamespace: ${namespace}`,
        '  namePrefix: staging-',
        '  postBuild:',
        '    substitute: {greeting: hi}',
        '    substituteFrom:',
        '    - {kind: ConfigMap, name: cluster-vars}',
        '',
      ].join('\n'),
    );
    const run = await runTide([
      'build',
      'kustomization',
      'app',
      '--path',
      join(dir.path, 'app'),
      '--kustomization-file',
      file,
      ...cluster,
    ]);
    expect(run.code).toBe(0);
    const [configMap, web] = yamlObjects(run.stdout);
    expect(configMap).toMatchObject({
      metadata: { name: 'staging-settings', namespace },
      data: { greeting: 'hi', region: 'eu-west-1', tier: 'free' },
    });
    expect(web).toMatchObject({ metadata: { name: 'staging-web' }, spec: { replicas: 1 } });
  });

  describe('--dry-run', () => {
    let file: string;
    // No kubeconfig anywhere: a dry run that tried to reach a cluster would fail.
    const offline = (): NodeJS.ProcessEnv => ({ ...process.env, KUBECONFIG: '', HOME: dir.path });

    beforeAll(async () => {
      file = await writeKustomizationFile(
        'app.yaml',
        [
          'apiVersion: kustomize.toolkit.fluxcd.io/v1',
          'kind: Kustomization',
          'metadata:',
          '  name: app',
          `  namespace: ${namespace}`,
          'spec:',
          '  interval: 5m',
          '  prune: true',
          '  sourceRef: {kind: GitRepository, name: repo}',
          '  targetNamespace: apps',
          '  postBuild:',
          '    substitute: {greeting: hi}',
          '    substituteFrom:',
          '    - {kind: ConfigMap, name: cluster-vars}',
          '',
        ].join('\n'),
      );
    });

    it('renders offline, leaving substituteFrom variables unresolved', async () => {
      const run = await runTide(
        [
          'build',
          'ks',
          'app',
          '--path',
          join(dir.path, 'app'),
          '--kustomization-file',
          file,
          '--dry-run',
          '-n',
          namespace,
        ],
        { env: offline() },
      );
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(yamlObjects(run.stdout)[0]).toMatchObject({
        metadata: {
          name: 'settings',
          namespace: 'apps',
          labels: { 'kustomize.toolkit.fluxcd.io/namespace': namespace },
        },
        // `region: ${region}` became `region: ` (null), as with flux and the controller.
        data: { greeting: 'hi', region: null, tier: 'free' },
      });
    });

    it('fails on the unresolved variable with --strict-substitute', async () => {
      const run = await runTide(
        [
          'build',
          'ks',
          'app',
          '--path',
          join(dir.path, 'app'),
          '--kustomization-file',
          file,
          '--dry-run',
          '--strict-substitute',
          '-n',
          namespace,
        ],
        { env: offline() },
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^Error: ConfigMap\/apps\/settings: variable 'region' is not defined\n$/,
      );
    });

    it('needs --kustomization-file', async () => {
      const run = await runTide(
        ['build', 'ks', 'app', '--path', join(dir.path, 'app'), '--dry-run'],
        {
          env: offline(),
        },
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('Error: --dry-run needs --kustomization-file');
    });

    it('prints plain Secrets as built and masks SOPS-encrypted ones, as flux does', async () => {
      const sops = await writeKustomizationFile(
        'sops.yaml',
        [
          'apiVersion: kustomize.toolkit.fluxcd.io/v1',
          'kind: Kustomization',
          'metadata: {name: app}',
          'spec:',
          '  interval: 5m',
          '  prune: true',
          '  sourceRef: {kind: GitRepository, name: repo}',
          '  decryption: {provider: sops}',
          '',
        ].join('\n'),
      );
      const run = await runTide(
        [
          'build',
          'ks',
          'app',
          '--path',
          join(dir.path, 'secrets'),
          '--kustomization-file',
          sops,
          '--dry-run',
          '-n',
          namespace,
        ],
        { env: offline() },
      );
      expect(run.code).toBe(0);
      const byName = new Map(
        yamlObjects(run.stdout).map((object) => [
          (object as { metadata: { name: string } }).metadata.name,
          object,
        ]),
      );
      expect(byName.get('plain')).toMatchObject({ stringData: { password: 'hunter2' } });
      expect(byName.get('encrypted')).toMatchObject({ stringData: { password: '**SOPS**' } });
      expect(byName.get('encrypted')).not.toHaveProperty('sops');
      expect(run.stdout).not.toContain('ENC[');
      // The controller refuses spec.decryption for now; the build says so.
      expect(run.stderr).toBe(
        `warning: Kustomization ${namespace}/app sets spec.decryption: kustomize-controller does ` +
          'not decrypt SOPS yet and would not apply it (Ready=False, reason UnsupportedField)\n',
      );
    });
  });

  it('says so when the Kustomization is not in the cluster', async () => {
    const run = await runTide([
      'build',
      'ks',
      'missing',
      '--path',
      join(dir.path, 'app'),
      ...cluster,
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `Error: Kustomization ${namespace}/missing not found in the cluster: check NAME and ` +
        '-n/--namespace, or pass --kustomization-file with its YAML (and --dry-run to stay offline)\n',
    );
  });

  it('names a --kustomization-file without the Kustomization', async () => {
    const file = await writeKustomizationFile(
      'empty.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n',
    );
    const run = await runTide([
      'build',
      'ks',
      'app',
      '--path',
      join(dir.path, 'app'),
      '--kustomization-file',
      file,
      '--dry-run',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `--kustomization-file ${file}: no Kustomization named app in namespace flux-system`,
    );
  });

  it('refuses a --path that is not a directory', async () => {
    const run = await runTide(['build', 'ks', 'app', '--path', join(dir.path, 'nope'), ...cluster]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`Error: --path ${join(dir.path, 'nope')}: not a directory\n`);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asKustomization, type Kustomization } from '@tide/api';
import { apiRequest, makeTempDir, sharedControlPlane, type TempDir } from '@tide/harness';
import { inventoryOf, ResourceManager } from '@tide/ssa';
import { runTide } from './tide-process.js';
import { KubeClient, refOf } from '@tide/kube';
import { readData, renderKustomization, fieldManager } from '@tide/kustomization';

const configMap = (name: string, data: Record<string, string>, annotations = ''): string =>
  [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${name}`,
    ...(annotations === '' ? [] : ['  annotations:', `    ${annotations}`]),
    'data:',
    ...Object.entries(data).map(([key, value]) => `  ${key}: ${value}`),
    '',
  ].join('\n');

const secret = (token: string): string =>
  [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    '  name: token',
    'stringData:',
    `  token: ${token}`,
    '',
  ].join('\n');

/** What was applied before (the live state) and what the checkout has now. */
const applied: Record<string, string> = {
  'same.yaml': configMap('same', { a: '"1"' }),
  'changed.yaml': configMap('changed', { color: 'red', size: 'large' }),
  'token.yaml': secret('old-value'),
  'stale.yaml': configMap('stale', { a: '"1"' }),
  'kept.yaml': configMap('kept', { a: '"1"' }, 'kustomize.toolkit.fluxcd.io/prune: disabled'),
};
const checkout: Record<string, string> = {
  'same.yaml': configMap('same', { a: '"1"' }),
  'changed.yaml': configMap('changed', { color: 'blue', size: 'large' }),
  'token.yaml': secret('new-value'),
  'fresh.yaml': configMap('fresh', { a: '"1"' }),
};

describe('tide diff kustomization', () => {
  const shared = sharedControlPlane();
  let namespace: string;
  let dir: TempDir;
  let cluster: string[];

  beforeAll(async () => {
    namespace = await shared.createNamespace('cli-diff');
    cluster = ['-n', namespace, '--kubeconfig', shared.kubeconfigPath];
    dir = await makeTempDir('cli-diff-ks');
    await writeDir('applied', applied);
    await writeDir('checkout', checkout);
    await writeDir('standalone', {
      'standalone.yaml': configMap('standalone', { a: '"1"' }).replace(
        'metadata:\n',
        `metadata:\n  namespace: ${namespace}\n`,
      ),
    });
    const kustomization = await createKustomization();
    await applyAsTheController(kustomization, join(dir.path, 'applied'));
  });

  afterAll(async () => {
    await dir.remove();
  });

  async function writeDir(name: string, files: Record<string, string>): Promise<void> {
    await mkdir(join(dir.path, name));
    for (const [file, text] of Object.entries(files))
      await writeFile(join(dir.path, name, file), text);
  }

  async function createKustomization(): Promise<Kustomization> {
    const path = `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${namespace}/kustomizations`;
    const response = await apiRequest(shared.connection, {
      method: 'POST',
      path,
      body: {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'app' },
        spec: {
          interval: '10m',
          prune: true,
          path: './app',
          sourceRef: { kind: 'GitRepository', name: 'repo' },
          targetNamespace: namespace,
        },
      },
    });
    if (response.status !== 201)
      throw new Error(`POST ${path}: ${response.status} ${response.text}`);
    return asKustomization(response.body);
  }

  /** Applies the directory and records its inventory the way kustomize-controller does. */
  async function applyAsTheController(kustomization: Kustomization, source: string): Promise<void> {
    const client = new KubeClient({ kubeConfig: shared.kubeConfig });
    const manager = new ResourceManager({ client, fieldManager });
    try {
      const objects = await renderKustomization(kustomization, source, {
        readData: (reference) => readData(client, namespace, reference),
        strictSubstitutions: false,
        remoteBases: false,
      });
      await manager.apply(objects);
      const path = `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${namespace}/kustomizations/app/status`;
      const response = await apiRequest(shared.connection, {
        method: 'PATCH',
        path,
        contentType: 'application/merge-patch+json',
        body: { status: { inventory: { entries: inventoryOf(objects.map(refOf)) } } },
      });
      if (response.status !== 200)
        throw new Error(`PATCH ${path}: ${response.status} ${response.text}`);
    } finally {
      client.close();
    }
  }

  const diff = (...args: string[]) => runTide(['diff', 'kustomization', ...args]);

  it('shows what would be created, configured and pruned, and exits 1', async () => {
    const run = await diff('app', '--path', join(dir.path, 'checkout'), ...cluster);
    expect(run.code).toBe(1);
    const headlines = run.stdout.split('\n').filter((line) => line.startsWith('► '));
    expect(headlines).toEqual([
      `► ConfigMap/${namespace}/changed configured`,
      `► ConfigMap/${namespace}/fresh created`,
      `► Secret/${namespace}/token configured`,
      `► ConfigMap/${namespace}/kept skipped (kustomize.toolkit.fluxcd.io/prune: disabled)`,
      `► ConfigMap/${namespace}/stale deleted`,
    ]);
    expect(run.stdout).toContain(
      [`--- a/ConfigMap/${namespace}/changed`, `+++ b/ConfigMap/${namespace}/changed`].join('\n'),
    );
    const lines = run.stdout.split('\n');
    expect(lines).toContain('-  color: red');
    expect(lines).toContain('+  color: blue');
    expect(lines).not.toContain('-  size: large');
    expect(run.stdout).not.toContain('/same');
    expect(run.stderr).toBe('1 created, 2 configured, 1 unchanged, 1 deleted, 1 skipped\n');

    // A diff changes nothing.
    const configMaps = `/api/v1/namespaces/${namespace}/configmaps`;
    const get = (name: string) =>
      apiRequest(shared.connection, { method: 'GET', path: `${configMaps}/${name}` });
    expect((await get('changed')).body).toMatchObject({ data: { color: 'red' } });
    expect((await get('fresh')).status).toBe(404);
    expect((await get('stale')).status).toBe(200);
  });

  it('never shows a Secret value, old or new, plain or base64', async () => {
    const run = await diff('app', '--path', join(dir.path, 'checkout'), ...cluster);
    const secretDiff = run.stdout.slice(run.stdout.indexOf(`► Secret/${namespace}/token`));
    expect(secretDiff.split('\n')).toEqual(
      expect.arrayContaining(['-  token: "***"', '+  token: "*** (changed)"']),
    );
    for (const value of ['old-value', 'new-value'])
      for (const shown of [value, Buffer.from(value).toString('base64')])
        expect(run.stdout).not.toContain(shown);
  });

  it('prints nothing and exits 0 when the cluster already matches', async () => {
    const context = shared.kubeConfig.getCurrentContext();
    const run = await diff(
      'app',
      '--path',
      join(dir.path, 'applied'),
      '--context',
      context,
      ...cluster,
    );
    expect(run).toEqual({ code: 0, stdout: '', stderr: '5 unchanged\n' });
  });

  it('lists no deletions when the --kustomization-file says prune: false', async () => {
    const file = join(dir.path, 'no-prune.yaml');
    await writeFile(
      file,
      [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata: {name: app}',
        `spec: {interval: 10m, prune: false, targetNamespace: ${namespace}, sourceRef: {kind: GitRepository, name: repo}}`,
        '',
      ].join('\n'),
    );
    const run = await diff(
      'app',
      '--path',
      join(dir.path, 'checkout'),
      '--kustomization-file',
      file,
      ...cluster,
    );
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('deleted');
    expect(run.stdout).not.toContain('/kept');
    expect(run.stderr).toBe('1 created, 2 configured, 1 unchanged\n');
  });

  it("shows no drift under the spec's ignore, and refuses a bad rule", async () => {
    const file = join(dir.path, 'ignore.yaml');
    const spec = (rules: string) =>
      [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata: {name: app}',
        `spec: {interval: 10m, prune: false, targetNamespace: ${namespace}, sourceRef: {kind: GitRepository, name: repo}, ignore: [${rules}]}`,
        '',
      ].join('\n');
    await writeFile(file, spec('{paths: [/data/color], target: {kind: ConfigMap, name: changed}}'));
    const args = ['--path', join(dir.path, 'checkout'), '--kustomization-file', file, ...cluster];
    const run = await diff('app', ...args);
    expect(run.stdout).not.toContain('/changed');
    expect(run.stderr).toBe('1 created, 1 configured, 2 unchanged\n');

    await writeFile(file, spec('{paths: [data/color]}'));
    const bad = await diff('app', ...args);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('spec.ignore[0]');
  });

  it('warns where the controller would apply differently from this diff', async () => {
    const file = join(dir.path, 'remote.yaml');
    await writeFile(
      file,
      [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata: {name: app}',
        'spec:',
        '  interval: 10m',
        '  prune: true',
        `  targetNamespace: ${namespace}`,
        '  serviceAccountName: deployer',
        '  kubeConfig: {secretRef: {name: remote}}',
        '  sourceRef: {kind: GitRepository, name: repo}',
        '',
      ].join('\n'),
    );
    const run = await diff(
      'app',
      '--path',
      join(dir.path, 'applied'),
      '--kustomization-file',
      file,
      ...cluster,
    );
    expect(run.code).toBe(0);
    expect(run.stderr.split('\n')).toEqual([
      `warning: Kustomization ${namespace}/app sets spec.kubeConfig: the controller applies to ` +
        "that kubeconfig's cluster; this diff is against the cluster of --kubeconfig/--context",
      `warning: Kustomization ${namespace}/app sets spec.serviceAccountName: the controller ` +
        'applies as ServiceAccount deployer; this diff runs with your own credentials',
      '5 unchanged',
      '',
    ]);
  });

  describe('a Kustomization that does not exist yet', () => {
    it('is diffed from the --kustomization-file spec', async () => {
      const file = join(dir.path, 'preview.yaml');
      await writeFile(
        file,
        [
          'apiVersion: kustomize.toolkit.fluxcd.io/v1',
          'kind: Kustomization',
          `metadata: {name: preview, namespace: ${namespace}}`,
          'spec:',
          '  interval: 10m',
          '  prune: true',
          `  targetNamespace: ${namespace}`,
          '  namePrefix: preview-',
          '  sourceRef: {kind: GitRepository, name: repo}',
          '',
        ].join('\n'),
      );
      const run = await diff(
        'preview',
        '--path',
        join(dir.path, 'checkout'),
        '--kustomization-file',
        file,
        ...cluster,
      );
      expect(run.code).toBe(1);
      expect(run.stdout.split('\n').filter((line) => line.startsWith('► '))).toEqual([
        `► ConfigMap/${namespace}/preview-changed created`,
        `► ConfigMap/${namespace}/preview-fresh created`,
        `► ConfigMap/${namespace}/preview-same created`,
        `► Secret/${namespace}/preview-token created`,
      ]);
      expect(run.stderr).toBe('4 created\n');
    });

    it('is diffed as the directory alone without a file, saying so', async () => {
      const run = await diff('brand-new', '--path', join(dir.path, 'standalone'), ...cluster);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe(`► ConfigMap/${namespace}/standalone created\n`);
      expect(run.stderr).toBe(
        `Kustomization ${namespace}/brand-new not found in the cluster: diffing as a new Kustomization ` +
          'without overlay, substitutions or pruning (pass --kustomization-file to use its spec)\n1 created\n',
      );
    });
  });

  it.each([
    [
      'a --path that is not a directory',
      ['app', '--path', '/nonexistent/tide', '--kubeconfig', '/dev/null'],
      /^Error: --path \/nonexistent\/tide: not a directory\n$/,
    ],
    [
      'a missing kubeconfig',
      ['app', '--path', '.', '--kubeconfig', '/nonexistent/kubeconfig'],
      /^Error: --kubeconfig \/nonexistent\/kubeconfig: no such file\n$/,
    ],
    [
      'an unknown kubeconfig context',
      ['app', '--path', '.', '--kubeconfig', shared.kubeconfigPath, '--context', 'nope'],
      /^Error: --context nope: the kubeconfig .* has no such context; it has: \S+\n$/,
    ],
    ['an unknown flag', ['app', '--path', '.', '--colour'], /unknown option '--colour'/],
  ])('exits 2 on %s', async (_what, args, message) => {
    const run = await diff(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

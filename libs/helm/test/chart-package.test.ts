import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeTempDir, oracles, run, type TempDir } from '@tide/harness';
import {
  HelmError,
  loadChartArchive,
  loadChartDirectory,
  mergeValuesFiles,
  packageChart,
} from '../src/index.js';

const chartFiles: Record<string, string> = {
  'Chart.yaml':
    'apiVersion: v2\nname: webapp\nversion: 1.4.0\nappVersion: "2.0"\ndependencies:\n  - name: sidecar\n    version: 0.1.0\n',
  'values.yaml': 'replicas: 1\nimage:\n  repository: nginx\n  tag: "1.25"\nlabels:\n  team: a\n',
  'values-prod.yaml': 'replicas: 3\nimage:\n  tag: "1.27"\nlabels:\n  tier: prod\n',
  '.helmignore': '*.md\nscratch/\n',
  'README.md': 'ignored\n',
  'scratch/notes.txt': 'ignored\n',
  'templates/deployment.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: {{ .Release.Name }}-{{ .Chart.Name }}',
    '  labels: {{- toYaml .Values.labels | nindent 4 }}',
    'spec:',
    '  replicas: {{ .Values.replicas }}',
    '  selector:',
    '    matchLabels:',
    '      app: web',
    '  template:',
    '    metadata:',
    '      labels:',
    '        app: web',
    '    spec:',
    '      containers:',
    '        - name: web',
    '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"',
    '',
  ].join('\n'),
  'templates/_helpers.tpl': '{{- define "webapp.name" -}}{{ .Chart.Name }}{{- end }}\n',
  'charts/sidecar/Chart.yaml': 'apiVersion: v2\nname: sidecar\nversion: 0.1.0\n',
  'charts/sidecar/templates/cm.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-sidecar\n',
};

describe('packaging charts the way helm package does', () => {
  let temp: TempDir;
  let helm: string;
  let chartDir: string;
  const helmEnv = () => ({
    ...process.env,
    HELM_CACHE_HOME: join(temp.path, 'hc'),
    HELM_CONFIG_HOME: join(temp.path, 'hf'),
    HELM_DATA_HOME: join(temp.path, 'hd'),
  });
  const template = (target: string, ...args: string[]) =>
    run(helm, ['template', 'demo', target, ...args], { env: helmEnv() });

  beforeAll(async () => {
    temp = await makeTempDir('helm-package');
    helm = (await oracles()).helm;
    chartDir = join(temp.path, 'src', 'webapp');
    for (const [path, content] of Object.entries(chartFiles)) {
      await mkdir(dirname(join(chartDir, path)), { recursive: true });
      await writeFile(join(chartDir, path), content);
    }
  });
  afterAll(() => temp.remove());

  it('renders with helm template exactly as the chart directory does', async () => {
    const chart = await loadChartDirectory(chartDir);
    expect(chart.metadata).toEqual({
      apiVersion: 'v2',
      name: 'webapp',
      version: '1.4.0',
      appVersion: '2.0',
      dependencies: [{ name: 'sidecar', version: '0.1.0' }],
    });
    expect([...chart.files.keys()]).not.toContain('README.md');
    expect([...chart.files.keys()]).not.toContain('scratch/notes.txt');
    const tgz = join(temp.path, 'ours.tgz');
    await writeFile(tgz, packageChart(chart));
    expect(await template(tgz)).toBe(await template(chartDir));
    await run(helm, ['lint', tgz], { env: helmEnv() });
  });

  it('lays files out as helm package does: <name>/ prefix, Chart.yaml first, no directories', async () => {
    const tgz = join(temp.path, 'layout.tgz');
    await writeFile(tgz, packageChart(await loadChartDirectory(chartDir)));
    const ours = (await run('tar', ['-tzf', tgz])).trim().split('\n');
    await run(helm, ['package', chartDir, '--destination', join(temp.path, 'helm-out')], {
      env: helmEnv(),
    });
    const theirs = (await run('tar', ['-tzf', join(temp.path, 'helm-out', 'webapp-1.4.0.tgz')]))
      .trim()
      .split('\n');
    expect(ours[0]).toBe('webapp/Chart.yaml');
    expect([...ours].sort()).toEqual([...theirs].sort());
  });

  it('is deterministic: the same chart gives the same bytes', async () => {
    const a = packageChart(await loadChartDirectory(chartDir));
    const b = packageChart(await loadChartDirectory(chartDir));
    expect(a.equals(b)).toBe(true);
  });

  it('merges valuesFiles into values.yaml the way helm -f merges them', async () => {
    const values = mergeValuesFiles([
      { path: 'values.yaml', text: chartFiles['values.yaml'] ?? '' },
      { path: 'values-prod.yaml', text: chartFiles['values-prod.yaml'] ?? '' },
    ]);
    const tgz = join(temp.path, 'merged.tgz');
    await writeFile(tgz, packageChart(await loadChartDirectory(chartDir), { values }));
    const expected = await template(
      chartDir,
      '-f',
      join(chartDir, 'values.yaml'),
      '-f',
      join(chartDir, 'values-prod.yaml'),
    );
    expect(await template(tgz)).toBe(expected);
    expect(expected).toContain('replicas: 3');
    expect(expected).toContain('nginx:1.27');
  });

  it('reads a chart packaged by the real helm and packages it again unchanged in meaning', async () => {
    await run(helm, ['package', chartDir, '--destination', join(temp.path, 'helm-pkg')], {
      env: helmEnv(),
    });
    const helmTgz = join(temp.path, 'helm-pkg', 'webapp-1.4.0.tgz');
    const chart = await loadChartArchive(await readFile(helmTgz), 'webapp-1.4.0.tgz');
    expect(chart.metadata.version).toBe('1.4.0');
    const again = join(temp.path, 'again.tgz');
    await writeFile(again, packageChart(chart));
    expect(await template(again)).toBe(await template(helmTgz));
  });

  it.each([
    ['no Chart.yaml', { 'values.yaml': 'a: 1\n' }, /no Chart\.yaml: not a Helm chart directory/],
    [
      'a bad version',
      { 'Chart.yaml': 'apiVersion: v2\nname: x\nversion: one\n' },
      /version "one" is not a valid SemVer 2 version/,
    ],
    [
      'no name',
      { 'Chart.yaml': 'apiVersion: v2\nversion: 1.0.0\n' },
      /name "" is missing or invalid/,
    ],
    ['broken YAML', { 'Chart.yaml': 'apiVersion: [v2\n' }, /Chart\.yaml is not valid YAML/],
  ])('refuses a chart with %s', async (name, files, message) => {
    const dir = join(temp.path, 'bad', name.replace(/\W/g, '-'));
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    const failure = loadChartDirectory(dir, `chart ${name}`);
    await expect(failure).rejects.toBeInstanceOf(HelmError);
    await expect(failure).rejects.toThrow(message);
  });

  it('refuses symbolic links inside a chart', async () => {
    const dir = join(temp.path, 'linked');
    await mkdir(join(dir, 'templates'), { recursive: true });
    await writeFile(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: linked\nversion: 1.0.0\n');
    await symlink('/etc/hostname', join(dir, 'templates', 'leak.yaml'));
    await expect(loadChartDirectory(dir)).rejects.toThrow(
      /templates\/leak\.yaml is a symbolic link/,
    );
  });
});

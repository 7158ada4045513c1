import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@tide/harness';
import {
  HelmError,
  identityTemplateEngine,
  loadChartDirectory,
  loadHelmChart,
  packageChart,
  renderChart,
} from '../src/index.js';
import { helm, writeTree } from './helm-oracle.js';

const chartYaml = (extra: string) => `apiVersion: v2\nname: c\nversion: 1.0.0\n${extra}`;

/** Broken charts and the error helm template gives for each. */
const brokenCharts: readonly { title: string; files: Record<string, string> }[] = [
  { title: 'no name', files: { 'Chart.yaml': 'apiVersion: v2\nversion: 1.0.0\n' } },
  { title: 'no version', files: { 'Chart.yaml': 'apiVersion: v2\nname: c\n' } },
  {
    title: 'version not SemVer',
    files: { 'Chart.yaml': 'apiVersion: v2\nname: c\nversion: abc\n' },
  },
  {
    title: 'unknown apiVersion',
    files: { 'Chart.yaml': 'apiVersion: v3\nname: c\nversion: 1.0.0\n' },
  },
  { title: 'unknown type', files: { 'Chart.yaml': chartYaml('type: plugin\n') } },
  { title: 'library chart', files: { 'Chart.yaml': chartYaml('type: library\n') } },
  {
    title: 'bad alias',
    files: { 'Chart.yaml': chartYaml('dependencies:\n  - name: a\n    alias: b.c\n') },
  },
  {
    title: 'duplicate alias',
    files: {
      'Chart.yaml': chartYaml(
        'dependencies:\n  - name: a\n    alias: x\n  - name: b\n    alias: x\n',
      ),
    },
  },
  {
    title: 'missing dependency',
    files: { 'Chart.yaml': chartYaml('dependencies:\n  - name: a\n') },
  },
  { title: 'kubeVersion not met', files: { 'Chart.yaml': chartYaml('kubeVersion: ">=1.99.0"\n') } },
  {
    title: 'broken sub-chart',
    files: { 'Chart.yaml': chartYaml(''), 'charts/s/Chart.yaml': 'apiVersion: v2\nname: s\n' },
  },
];

const schema = JSON.stringify({
  type: 'object',
  required: ['name', 'port'],
  properties: {
    replicas: { type: 'integer', minimum: 1 },
    image: { type: 'object', properties: { tag: { type: 'string', pattern: '^v' } } },
    mode: { enum: ['a', 'b'] },
    strict: {
      type: 'object',
      additionalProperties: false,
      properties: { ok: { type: 'boolean' } },
    },
  },
});

describe('loading charts and checking values as helm does', () => {
  let temp: TempDir;
  beforeAll(async () => {
    temp = await makeTempDir('helm-load');
  });
  afterAll(() => temp.remove());

  it.each(brokenCharts)('refuses a chart with $title', async ({ title, files }) => {
    const dir = join(temp.path, title.replace(/ /g, '-'));
    await writeTree(dir, { ...files, 'templates/cm.yaml': 'kind: ConfigMap\n' });
    const expected = await helm(temp.path, ['template', 'demo', dir]);
    expect(expected.error).not.toBe('');
    const attempt = async () =>
      renderChart(await loadHelmChart({ directory: dir }), {
        releaseName: 'demo',
        engine: identityTemplateEngine,
      });
    await expect(attempt()).rejects.toThrow(HelmError);
    await expect(attempt()).rejects.toThrow(expected.error);
  });

  it('loads a v1 chart with requirements.yaml and a packaged sub-chart', async () => {
    const sub = join(temp.path, 'src-sub');
    await writeTree(sub, {
      'Chart.yaml': 'apiVersion: v2\nname: sub\nversion: 2.0.0\n',
      'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sub\n',
    });
    const dir = join(temp.path, 'v1chart');
    await writeTree(dir, {
      'Chart.yaml': 'name: old\nversion: 0.1.0\n',
      'requirements.yaml':
        'dependencies:\n  - name: sub\n    version: 2.x\n    condition: sub.enabled\n',
      'values.yaml': 'sub:\n  enabled: true\n',
      'templates/svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: old\n',
      'charts/sub-2.0.0.tgz': packageChart(await loadChartDirectory(sub)),
    });
    for (const set of [[], ['--set', 'sub.enabled=false']]) {
      const expected = await helm(temp.path, ['template', 'demo', dir, ...set]);
      expect(expected.error).toBe('');
      const ours = renderChart(await loadHelmChart({ directory: dir }), {
        releaseName: 'demo',
        engine: identityTemplateEngine,
        values: { set: set.slice(1) },
      });
      expect(ours.output).toBe(expected.stdout);
    }
  });

  it.each([
    { title: 'chart defaults break the schema', set: [] as string[] },
    { title: 'a --set breaks the schema', set: ['replicas=x,name=n,port=1,image.tag=v1,mode=a'] },
    {
      title: 'additional properties',
      set: [
        'name=n,port=1,replicas=2,image.tag=v1,mode=a,strict.no=1,strict.nope=2,strict.ok=true',
      ],
    },
    { title: 'values that pass', set: ['name=n,port=1,replicas=2,image.tag=v2,mode=b'] },
  ])('checks values.schema.json: $title', async ({ set }) => {
    const dir = join(temp.path, 'schema');
    await writeTree(dir, {
      'Chart.yaml': chartYaml(''),
      'values.yaml': 'replicas: 0\nimage:\n  tag: 1.2\nmode: c\n',
      'values.schema.json': schema,
      'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n',
    });
    const args = set.flatMap((value) => ['--set', value]);
    const expected = await helm(temp.path, ['template', 'demo', dir, ...args]);
    const attempt = async () =>
      renderChart(await loadHelmChart({ directory: dir }), {
        releaseName: 'demo',
        engine: identityTemplateEngine,
        values: { set },
      });
    if (expected.error === '') {
      expect((await attempt()).output).toBe(expected.stdout);
      return;
    }
    const error = await attempt().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HelmError);
    // Helm 4 lists one chart's errors in no fixed order (Go map iteration): compare as sets.
    const lines = (text: string) => {
      const [header = '', chart = '', ...rest] = text.trim().split('\n');
      return [header, chart, ...rest.sort()];
    };
    expect(lines((error as HelmError).message)).toEqual(lines(expected.error));
  });

  it('refuses alias bombs, __proto__ stays a plain key, and limits bound the tree', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 12; i += 1)
      bomb.push(
        `${'b'.repeat(i + 1)}: &b${i} [${Array(10)
          .fill(i === 0 ? '*a' : `*b${i - 1}`)
          .join(',')}]`,
      );
    const dir = join(temp.path, 'hostile');
    await writeTree(dir, {
      'Chart.yaml': chartYaml(''),
      'values.yaml': `${bomb.join('\n')}\n`,
      'templates/cm.yaml': 'kind: ConfigMap\n',
    });
    await expect(loadHelmChart({ directory: dir })).rejects.toThrow(/alias/i);
    await writeTree(dir, {
      'values.yaml': '__proto__:\n  polluted: true\nconstructor: {prototype: {x: 1}}\n',
    });
    const ours = renderChart(await loadHelmChart({ directory: dir }), {
      releaseName: 'demo',
      engine: identityTemplateEngine,
      values: { set: ['__proto__.viaSet=1'], setJson: ['{"__proto__":{"viaJson":1}}'] },
    });
    expect(Object.getPrototypeOf(ours.values)).toBeNull();
    expect(Object.keys(ours.values).sort()).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).viaSet).toBeUndefined();
    expect(({} as Record<string, unknown>).viaJson).toBeUndefined();
    await expect(
      loadHelmChart(
        { directory: dir },
        { maxBytes: 1e6, maxFileBytes: 10, maxFiles: 100, maxDepth: 2 },
      ),
    ).rejects.toThrow(/larger than the limit of 10 bytes/);
  });
});

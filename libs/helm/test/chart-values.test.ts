import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@tide/harness';
import {
  loadChartDirectory,
  loadHelmChart,
  packageChart,
  renderChart,
  type TemplateEngine,
  type ValueOptions,
} from '../src/index.js';
import { helm, writeTree } from './helm-oracle.js';

/** Go's encoding/json for values: keys sorted, int64 as digits (our data has no <, > or &). */
function goJson(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${goJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const printValues = '{{ toJson .Values }}\n';

/** The one template these charts use, executed as Helm's toJson would print `.Values`. */
const valuesEngine: TemplateEngine = {
  render(templates) {
    const files = new Map<string, string>();
    for (const template of templates) {
      if (template.partial) continue;
      if (template.source !== printValues) throw new Error(`unexpected template ${template.name}`);
      files.set(template.name, `${goJson(template.context.Values)}\n`);
    }
    return { ok: true, files };
  },
};

const umbrella: Record<string, string> = {
  'Chart.yaml': [
    'apiVersion: v2',
    'name: umbrella',
    'version: 1.0.0',
    'dependencies:',
    '  - name: db',
    '    version: 1.x',
    '    condition: db.enabled',
    '    tags: [backend]',
    '  - name: cache',
    '    version: 0.3.x',
    '    alias: redis',
    '    condition: redis.enabled,global.cacheAll',
    '  - name: cache',
    '    version: ~0.3.0',
    '    alias: memo',
    '    tags: [front, backend]',
    '  - name: lib',
    '    version: ">=0.1.0"',
    '    import-values:',
    '      - defaults',
    '      - child: config',
    '        parent: imported.fromLib',
    '',
  ].join('\n'),
  'values.yaml': [
    'global:',
    '  region: eu',
    '  labels: {team: a}',
    'db:',
    '  enabled: true',
    '  port: 5432',
    'redis:',
    '  enabled: false',
    'memo:',
    '  size: 2',
    'tags:',
    '  front: false',
    'timeout: 10',
    'imported:',
    '  fromLib:',
    '    a: override',
    'list: [1, 2, 3]',
    'flags: {yes: y, on: off}',
    'nested: {keep: 1, drop: 2}',
    '',
  ].join('\n'),
  'templates/values.yaml': printValues,
  'charts/db/Chart.yaml': 'apiVersion: v2\nname: db\nversion: 1.2.0\n',
  'charts/db/values.yaml':
    'port: 3306\nuser: admin\nglobal:\n  region: us\n  zone: z1\n  labels: {tier: db}\nenabled: false\n',
  'charts/db/templates/values.yaml': printValues,
  'charts/cache/Chart.yaml':
    'apiVersion: v2\nname: cache\nversion: 0.3.0\ndependencies:\n  - name: inner\n    condition: inner.on\n',
  'charts/cache/values.yaml': 'size: 1\nglobal:\n  labels: {tier: cache}\ninner:\n  on: true\n',
  'charts/cache/templates/values.yaml': printValues,
  'charts/cache/charts/inner/Chart.yaml': 'apiVersion: v2\nname: inner\nversion: 0.0.1\n',
  'charts/cache/charts/inner/values.yaml': 'deep: true\n',
  'charts/cache/charts/inner/templates/values.yaml': printValues,
};

const lib: Record<string, string> = {
  'Chart.yaml': 'apiVersion: v2\nname: lib\nversion: 0.2.0\n',
  'values.yaml':
    'exports:\n  defaults:\n    timeout: 30\n    retries: 3\nconfig:\n  a: 1\n  b: 2\n',
  'templates/values.yaml': printValues,
};

const valuesFiles: Record<string, string> = {
  'prod.yaml': 'redis:\n  enabled: true\ndb:\n  port: null\nnested:\n  drop: null\nlist: [9]\n',
  'second.yaml':
    'global:\n  region: ap\n  labels: {extra: x}\nmemo: {size: 5}\ntags: {front: true}\n',
  'file.txt': 'line one\nline two\n',
};

interface Case {
  readonly title: string;
  readonly files?: readonly string[];
  readonly set?: readonly string[];
  readonly setString?: readonly string[];
  readonly setJson?: readonly string[];
  readonly setFile?: readonly string[];
}

const cases: readonly Case[] = [
  { title: 'chart defaults only' },
  { title: 'two -f files in order', files: ['prod.yaml', 'second.yaml'] },
  { title: '-f files the other way round', files: ['second.yaml', 'prod.yaml'] },
  {
    title: '--set paths, lists, indexes, escapes and type inference',
    set: [
      'a.b.c=1,x=true,y=null,z=007,w=-12,f=1.5',
      'list={a,b,0}',
      'idx[2]=two,idx[0].name=zero',
      'esc=a\\,b,dot\\.key=v',
      'empty=',
      'db.port=null',
    ],
  },
  {
    title: 'tags and conditions from --set (a condition beats a tag)',
    set: ['tags.backend=false', 'db.enabled=true', 'global.cacheAll=true', 'redis.enabled=x'],
  },
  {
    title: '--set-string, --set-json and --set-file after --set',
    files: ['prod.yaml'],
    set: ['n=5', 'global.region=sa'],
    setString: ['n=6,b=true,nul=null'],
    setJson: ['{"j":{"k":[1,{"m":null}]}}', 'jj=[1,2],jo={"a":"b"}', 'memo.size=7'],
    setFile: ['text=file.txt'],
  },
  {
    title: 'a sub-chart disabled by its tag',
    set: ['tags.front=false,tags.backend=false', 'db.enabled=null'],
  },
];

describe('values as helm template computes them', () => {
  let temp: TempDir;
  let chartDir: string;

  beforeAll(async () => {
    temp = await makeTempDir('helm-values');
    chartDir = join(temp.path, 'umbrella');
    await writeTree(chartDir, umbrella);
    await writeTree(join(temp.path, 'lib'), lib);
    const libArchive = packageChart(await loadChartDirectory(join(temp.path, 'lib')));
    await writeTree(chartDir, { 'charts/lib-0.2.0.tgz': libArchive });
    await writeTree(temp.path, valuesFiles);
  });
  afterAll(() => temp.remove());

  it.each(cases)('$title', async (testCase) => {
    const args = ['template', 'demo', chartDir];
    for (const file of testCase.files ?? []) args.push('-f', join(temp.path, file));
    for (const value of testCase.setJson ?? []) args.push('--set-json', value);
    for (const value of testCase.set ?? []) args.push('--set', value);
    for (const value of testCase.setString ?? []) args.push('--set-string', value);
    for (const value of testCase.setFile ?? [])
      args.push('--set-file', value.replace('=', `=${temp.path}/`));
    const expected = await helm(temp.path, args);
    expect(expected.error).toBe('');

    const options: ValueOptions = {
      valueFiles: (testCase.files ?? []).map((file) => ({
        path: file,
        text: readFileSync(join(temp.path, file), 'utf8'),
      })),
      set: testCase.set ?? [],
      setString: testCase.setString ?? [],
      setJson: testCase.setJson ?? [],
      setFile: testCase.setFile ?? [],
      readFile: (path) => readFileSync(join(temp.path, path), 'utf8'),
    };
    const chart = await loadHelmChart({ directory: chartDir });
    const ours = renderChart(chart, { releaseName: 'demo', values: options, engine: valuesEngine });
    expect(ours.output).toBe(expected.stdout);
  });

  it('refuses a --set that Helm refuses, with its message', async () => {
    const chart = await loadHelmChart({ directory: chartDir });
    for (const set of ['a', 'a.b', 'a=1,a.b=2', 'x[a]=1', 'list={a,b']) {
      const expected = await helm(temp.path, ['template', 'demo', chartDir, '--set', set]);
      expect(() =>
        renderChart(chart, { releaseName: 'demo', values: { set: [set] }, engine: valuesEngine }),
      ).toThrow(expected.error);
    }
  });
});

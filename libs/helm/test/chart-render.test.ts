import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@tide/harness';
import {
  identityTemplateEngine,
  loadHelmChart,
  renderChart,
  type RenderOptions,
} from '../src/index.js';
import { helm, writeTree } from './helm-oracle.js';

const hook = (kind: string, name: string, events: string, weight?: string, policy?: string) =>
  [
    `apiVersion: v1`,
    `kind: ${kind}`,
    `metadata:`,
    `  name: ${name}`,
    `  annotations:`,
    `    helm.sh/hook: ${events}`,
    ...(weight === undefined ? [] : [`    helm.sh/hook-weight: "${weight}"`]),
    ...(policy === undefined ? [] : [`    helm.sh/hook-delete-policy: ${policy}`]),
    '',
  ].join('\n');

/** Templates without template actions: the identity engine renders them as Helm does. */
const app: Record<string, string> = {
  'Chart.yaml':
    'apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: sub\n    version: 1.0.0\n',
  'values.yaml': 'a: 1\n',
  'crds/widgets.yaml':
    'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\n',
  'crds/README.md': 'not a CRD\n',
  'templates/NOTES.txt': 'Thanks for installing.\n',
  'templates/_helpers.tpl': '# helpers only\n',
  'templates/all.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    '---',
    '# only a comment',
    '---',
    '',
    '---   ',
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: web  ',
    '--- # trailing comment',
    'apiVersion: v1',
    'kind: Namespace',
    'metadata:',
    '  name: ns',
    '---',
    'apiVersion: example.com/v1',
    'kind: Widget',
    'metadata:',
    '  name: w',
    '---',
    'apiVersion: example.com/v1',
    'kind: Gadget',
    'metadata:',
    '  name: g',
    '',
    '',
  ].join('\n'),
  'templates/config.yaml':
    '\n\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  annotations:\n    note: plain\n',
  'templates/rbac.yaml':
    'kind: ClusterRoleBinding\nmetadata:\n  name: crb\n---\nkind: ServiceAccount\nmetadata:\n  name: sa\n---\nkind: ClusterRole\nmetadata:\n  name: cr\n',
  'templates/empty.yaml': '  \n\n',
  'templates/hooks.yaml': [
    hook('Job', 'migrate', 'pre-install,pre-upgrade', '5', 'before-hook-creation,hook-succeeded'),
    hook('ConfigMap', 'seed', 'post-install', '-3'),
    hook('Pod', 'smoke', 'test', undefined, 'hook-succeeded'),
    hook('Secret', 'unknown', 'not-a-hook'),
    hook('Pod', 'old-test', 'test-success', 'x'),
  ].join('---\n'),
  'charts/sub/Chart.yaml': 'apiVersion: v2\nname: sub\nversion: 1.0.0\n',
  'charts/sub/crds/gizmo.json':
    '{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"gizmos.example.com"}}',
  'charts/sub/templates/NOTES.txt': 'sub notes\n',
  'charts/sub/templates/svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: sub\n',
  'charts/sub/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sub-cm\n',
};

interface Case {
  readonly title: string;
  readonly args: readonly string[];
  readonly options: Omit<RenderOptions, 'releaseName' | 'engine'>;
}

const cases: readonly Case[] = [
  { title: 'defaults: install order, hooks after manifests', args: [], options: {} },
  { title: '--include-crds', args: ['--include-crds'], options: { includeCrds: true } },
  { title: '--skip-tests', args: ['--skip-tests'], options: { skipTests: true } },
  { title: '--no-hooks', args: ['--no-hooks'], options: { noHooks: true } },
  {
    title: '--show-only one file and a glob',
    args: ['--show-only', 'templates/rbac.yaml', '--show-only', 'charts/sub/templates/*'],
    options: { showOnly: ['templates/rbac.yaml', 'charts/sub/templates/*'] },
  },
  {
    title: '--show-only a hook file with --include-crds',
    args: ['--show-only', 'templates/hooks.yaml', '--include-crds'],
    options: { showOnly: ['templates/hooks.yaml'], includeCrds: true },
  },
  {
    title: '--is-upgrade, --kube-version, --api-versions',
    args: ['--is-upgrade', '--kube-version', '1.30', '--api-versions', 'example.com/v1'],
    options: { isUpgrade: true, kubeVersion: '1.30', apiVersions: ['example.com/v1'] },
  },
];

describe('rendering like helm template: splitting, ordering, hooks, CRDs', () => {
  let temp: TempDir;
  let chartDir: string;

  beforeAll(async () => {
    temp = await makeTempDir('helm-render');
    chartDir = join(temp.path, 'app');
    await writeTree(chartDir, app);
  });
  afterAll(() => temp.remove());

  it.each(cases)('$title', async ({ args, options }) => {
    const expected = await helm(temp.path, ['template', 'demo', chartDir, ...args]);
    expect(expected.error).toBe('');
    const chart = await loadHelmChart({ directory: chartDir });
    const ours = renderChart(chart, {
      releaseName: 'demo',
      engine: identityTemplateEngine,
      ...options,
    });
    expect(ours.output).toBe(expected.stdout);
  });

  it('gives hooks, CRDs and notes as data', async () => {
    const chart = await loadHelmChart({ directory: chartDir });
    const ours = renderChart(chart, { releaseName: 'demo', engine: identityTemplateEngine });
    expect(ours.notes).toBe('Thanks for installing.\n');
    expect(ours.crds.map((crd) => crd.path)).toEqual([
      'app/crds/widgets.yaml',
      'app/charts/sub/crds/gizmo.json',
    ]);
    expect(ours.hooks.map((h) => [h.kind, h.name, h.events, h.weight, h.deletePolicies])).toEqual([
      ['ConfigMap', 'seed', ['post-install'], -3, []],
      ['Pod', 'smoke', ['test'], 0, ['hook-succeeded']],
      ['Pod', 'old-test', ['test'], 0, []],
      [
        'Job',
        'migrate',
        ['pre-install', 'pre-upgrade'],
        5,
        ['before-hook-creation', 'hook-succeeded'],
      ],
    ]);
    expect(ours.manifests[0]?.kind).toBe('Namespace');
  });

  it('fails as helm does when --show-only names no template', async () => {
    const expected = await helm(temp.path, [
      'template',
      'demo',
      chartDir,
      '--show-only',
      'templates/nope.yaml',
    ]);
    const chart = await loadHelmChart({ directory: chartDir });
    expect(() =>
      renderChart(chart, {
        releaseName: 'demo',
        engine: identityTemplateEngine,
        showOnly: ['templates/nope.yaml'],
      }),
    ).toThrow(expected.error);
  });
});

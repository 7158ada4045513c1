import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import {
  makeTempDir,
  oracles,
  run,
  startChartRepository,
  type ChartRepository,
  type TempDir,
} from '@tide/harness';
import {
  HelmError,
  chartDownloadUrl,
  parseRepositoryIndex,
  selectChartVersion,
} from '../src/index.js';

const versions = ['0.9.0', '1.0.0', '1.1.0', '1.2.0-rc.1', '1.10.2', '2.0.0'];

describe('repository index and version selection, against a repository made by helm', () => {
  let repo: ChartRepository;
  let temp: TempDir;
  let indexText: string;

  beforeAll(async () => {
    repo = await startChartRepository({
      charts: versions.map((version) => ({ name: 'podinfo', version })),
    });
    temp = await makeTempDir('helm-index');
    indexText = await (await fetch(`${repo.url}/index.yaml`)).text();
  });
  afterAll(async () => {
    await repo.stop();
    await temp.remove();
  });

  it('parses the index helm repo index wrote', () => {
    const index = parseRepositoryIndex(indexText, repo.url);
    expect(
      index.entries
        .get('podinfo')
        ?.map((e) => e.version)
        .sort(),
    ).toEqual([...versions].sort());
  });

  it.each([
    ['*'],
    [''],
    ['1.x'],
    ['>=1.0.0 <2.0.0'],
    ['~1.1'],
    ['^1.2.0-0'],
    ['<1.0.0'],
    ['1.0.0'],
  ])('picks the version helm picks for %j', async (constraint) => {
    const { helm } = await oracles();
    const env = {
      ...process.env,
      HELM_CACHE_HOME: join(temp.path, 'c'),
      HELM_CONFIG_HOME: join(temp.path, 'f'),
      HELM_DATA_HOME: join(temp.path, 'd'),
    };
    const shown = await run(
      helm,
      [
        'show',
        'chart',
        'podinfo',
        '--repo',
        repo.url,
        ...(constraint === '' ? [] : ['--version', constraint]),
      ],
      { env },
    );
    const helmPick = /^version: (.+)$/m.exec(shown)?.[1];
    const ours = selectChartVersion(
      parseRepositoryIndex(indexText, repo.url),
      'podinfo',
      constraint,
    );
    expect(ours.version).toBe(helmPick);
    expect(chartDownloadUrl(repo.url, ours)).toBe(`${repo.url}/podinfo-${ours.version}.tgz`);
  });

  it('resolves relative chart URLs against the repository URL', () => {
    const index = parseRepositoryIndex(
      'apiVersion: v1\nentries:\n  a:\n    - version: 1.0.0\n      urls: [charts/a-1.0.0.tgz]\n',
      'x',
    );
    const entry = selectChartVersion(index, 'a', '*');
    expect(chartDownloadUrl('https://charts.example.com/stable', entry)).toBe(
      'https://charts.example.com/stable/charts/a-1.0.0.tgz',
    );
  });

  it.each([
    ['apiVersion: v2\nentries: {}\n', /apiVersion is "v2", want "v1"/],
    ['entries: {}\n', /apiVersion is null, want "v1"/],
    ['apiVersion: v1\nentries: [1]\n', /entries must be a map/],
    ['apiVersion: v1\nentries:\n  a:\n    - urls: [x]\n', /entries\.a\[0\] has no version/],
    ['{{{', /not valid YAML/],
  ])('refuses an invalid index %#', (text, message) => {
    expect(() => parseRepositoryIndex(text, 'https://r')).toThrow(message);
  });

  it.each([
    ['missing', '*', /chart "missing" is not in the repository index/],
    ['podinfo', '>=9', /no chart version of "podinfo" matches ">=9"/],
    ['podinfo', '>>1', /invalid chart version ">>1"/],
  ])('reports %s %s as ChartNotFound', (chart, constraint, message) => {
    const index = parseRepositoryIndex(indexText, repo.url);
    expect(() => selectChartVersion(index, chart, constraint)).toThrow(HelmError);
    expect(() => selectChartVersion(index, chart, constraint)).toThrow(message);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, oracles, run, type TempDir } from '@tide/harness';
import { mustParseVersion, parseConstraints } from '../src/index.js';

/**
 * Conformance against the real thing: Sprig's `semverCompare` inside the real `helm` is
 * Masterminds/semver v3's Constraints.Check. One `helm template` evaluates the whole matrix.
 */
const constraints = [
  '*',
  'x',
  '1',
  '1.x',
  '1.2',
  '1.2.x',
  '1.2.3',
  '=1.2.3',
  'v1.2.3',
  '= 1.2',
  '!=1.2.3',
  '!=1.2',
  '!=1.x',
  '!=1.2.3-beta.1',
  '>1',
  '>1.2',
  '>1.2.3',
  '>1.2.3-0',
  '> 1.2.3-alpha',
  '<2',
  '<1.2',
  '<1.2.3',
  '<1.2.3-rc.1',
  '<0.0.1',
  '>=1',
  '>=1.2',
  '>=1.2.3',
  '>=1.2.3-0',
  '=>1.2.3',
  '>=0.0.0-0',
  '<=1',
  '<=1.2',
  '<=1.2.3',
  '=<1.2.3',
  '<=2.0.0-rc.1',
  '~1',
  '~1.2',
  '~1.2.3',
  '~>1.2',
  '~0',
  '~0.0',
  '~0.2.3',
  '~*',
  '~1.2.3-beta.0',
  '~2.x',
  '^1',
  '^1.2',
  '^1.2.3',
  '^0',
  '^0.2',
  '^0.2.3',
  '^0.0',
  '^0.0.3',
  '^*',
  '^1.x',
  '^0.x',
  '^1.2.3-alpha',
  '>=1.2.3, <2.0.0',
  '>= 1.2.3 < 2.0.0',
  '>=1.0.0,<1.2.3',
  '1.2 - 1.4.5',
  '1.2.3 - 2',
  '1 - 1.2.x',
  '<1.2.3 || >=2.0.0',
  '~1.2 || ^2.1',
  '>1.0.0-alpha <1.0.0',
  '>=0.0.0',
  '>= 1.2.3-beta.2, < 1.2.3',
];
const versions = [
  '0.0.0',
  '0.0.3',
  '0.0.4',
  '0.1.0',
  '0.2.2',
  '0.2.3',
  '0.2.9',
  '0.3.0',
  '1.0.0-alpha',
  '1.0.0',
  '1.1.9',
  '1.2.0',
  '1.2.2',
  '1.2.3-alpha',
  '1.2.3-beta.1',
  '1.2.3-beta.2',
  '1.2.3-beta.11',
  '1.2.3',
  '1.2.3+build.7',
  '1.2.4',
  '1.3.0',
  '1.4.5',
  '1.4.6',
  '1.10.0',
  '2.0.0-rc.1',
  '2.0.0',
  '2.1.0',
  '2.1.5',
  '3.0.0',
  'v1.2.3',
  '1.2',
];

describe('Masterminds semver constraints, checked against helm (Sprig semverCompare)', () => {
  let temp: TempDir;
  const expected = new Map<string, boolean>();

  beforeAll(async () => {
    temp = await makeTempDir('semver-oracle');
    const chart = join(temp.path, 'matrix');
    await mkdir(join(chart, 'templates'), { recursive: true });
    await writeFile(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: matrix\nversion: 0.1.0\n');
    await writeFile(join(chart, 'values.yaml'), JSON.stringify({ constraints, versions }));
    await writeFile(
      join(chart, 'templates', 'matrix.yaml'),
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: matrix',
        'data:',
        '  results: |',
        '{{- range $c := .Values.constraints }}{{ range $v := $.Values.versions }}',
        '    {{ $c | b64enc }} {{ $v | b64enc }} {{ semverCompare $c $v }}',
        '{{- end }}{{ end }}',
        '',
      ].join('\n'),
    );
    const { helm } = await oracles();
    const out = await run(helm, ['template', 'matrix', chart], {
      env: {
        ...process.env,
        HELM_CACHE_HOME: join(temp.path, 'c'),
        HELM_CONFIG_HOME: join(temp.path, 'f'),
        HELM_DATA_HOME: join(temp.path, 'd'),
      },
    });
    for (const line of out.split('\n')) {
      const match = /^ {4}(\S+) (\S+) (true|false)$/.exec(line);
      if (match === null) continue;
      const decode = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');
      expected.set(`${decode(match[1])}\t${decode(match[2])}`, match[3] === 'true');
    }
  });
  afterAll(() => temp.remove());

  it('has the whole matrix from helm', () => {
    expect(expected.size).toBe(constraints.length * versions.length);
  });

  it.each(constraints)('%s', (constraint) => {
    const parsed = parseConstraints(constraint);
    const mismatches = versions.filter(
      (v) => parsed.check(mustParseVersion(v)) !== expected.get(`${constraint}\t${v}`),
    );
    expect(
      mismatches.map((v) => `${v}: helm says ${String(expected.get(`${constraint}\t${v}`))}`),
    ).toEqual([]);
  });
});

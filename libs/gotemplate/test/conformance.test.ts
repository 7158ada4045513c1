import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { makeTempDir, oracles, type TempDir } from '@tide/harness';
import { execFile } from 'node:child_process';
import { fromPlain, renderHelmStyle, sprigFuncs, TemplateSet, type GoValue } from '../src/index.js';

/**
 * Template conformance: every case in test/cases/*.yaml runs through the engine and through
 * the real `helm template`, byte for byte. Non-error cases of a file share one chart (one
 * template per case, its output base64-wrapped so any text is a valid manifest); each error
 * case gets a chart of its own.
 */
interface Case {
  readonly name: string;
  readonly template: string;
  readonly values?: unknown;
  readonly partials?: string;
  readonly error?: string;
}

const casesDir = join(import.meta.dirname, 'cases');
const files = (await readdir(casesDir)).filter((f) => f.endsWith('.yaml')).sort();
const suites = await Promise.all(
  files.map(async (file) => ({
    file,
    cases: parse(await readFile(join(casesDir, file), 'utf8')) as Case[],
  })),
);

function helmEnv(temp: TempDir): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HELM_CACHE_HOME: join(temp.path, 'c'),
    HELM_CONFIG_HOME: join(temp.path, 'f'),
    HELM_DATA_HOME: join(temp.path, 'd'),
  };
}

function helmTemplate(
  helm: string,
  chart: string,
  temp: TempDir,
): Promise<{ ok: boolean; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      helm,
      ['template', 'c', chart],
      { env: helmEnv(temp), maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ ok: error === null, out: stdout, err: stderr });
      },
    );
  });
}

async function writeChart(
  dir: string,
  values: unknown,
  templates: Record<string, string>,
): Promise<void> {
  await mkdir(join(dir, 'templates'), { recursive: true });
  await writeFile(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: c\nversion: 0.1.0\n');
  await writeFile(join(dir, 'values.yaml'), JSON.stringify(values ?? {}));
  for (const [name, text] of Object.entries(templates))
    await writeFile(join(dir, 'templates', name), text);
}

function engineRender(c: Case): string {
  const values = fromPlain(c.values ?? {});
  const set = new TemplateSet({ funcs: sprigFuncs(), missingKey: 'zero' });
  if (c.partials !== undefined) set.parse('c/templates/_partials.tpl', c.partials);
  set.parse('c/templates/case.yaml', c.template);
  const data: GoValue = new Map([['Values', values]]);
  return set.execute('c/templates/case.yaml', data).replaceAll('<no value>', '');
}

let temp: TempDir;
let helm: string;
beforeAll(async () => {
  temp = await makeTempDir('gotemplate-conformance');
  helm = (await oracles()).helm;
});
afterAll(() => temp.remove());

describe.each(suites)('$file', ({ file, cases }) => {
  const expected = new Map<string, string>();
  let batchError = '';
  const plain = cases.filter((c) => c.error === undefined);

  beforeAll(async () => {
    const dir = join(temp.path, file.replace(/\.yaml$/, ''));
    const templates: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    plain.forEach((c, i) => {
      values[`c${String(i)}`] = c.values ?? {};
      templates[`case${String(i)}.yaml`] =
        `{{- define "tide.case${String(i)}" }}${c.template}{{ end -}}\n` +
        `out: {{ include "tide.case${String(i)}" (dict "Values" .Values.c${String(i)}) | b64enc | quote }}\n`;
      if (c.partials !== undefined) templates[`_partials${String(i)}.tpl`] = c.partials;
    });
    await writeChart(dir, values, templates);
    const result = await helmTemplate(helm, dir, temp);
    if (!result.ok) batchError = result.err;
    for (const doc of result.out.split(/^---\n/m)) {
      const m = /^# Source: c\/templates\/case(\d+)\.yaml\nout: "([^"]*)"/.exec(doc);
      if (m === null) continue;
      const c = plain[Number(m[1])];
      if (c !== undefined)
        expected.set(
          c.name,
          Buffer.from(m[2] ?? '', 'base64')
            .toString('utf8')
            .replaceAll('<no value>', ''),
        );
    }
  });

  it.each(plain.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(batchError).toBe('');
    expect(expected.has(c.name)).toBe(true);
    expect(engineRender(c)).toBe(expected.get(c.name));
  });

  const failing = cases.filter((c) => c.error !== undefined);
  const errorTests = failing.length > 0 ? it.each(failing.map((c) => [c.name, c] as const)) : null;
  errorTests?.('%s fails like helm', async (_name, c) => {
    const dir = join(
      temp.path,
      `${file.replace(/\.yaml$/, '')}-${c.name.replace(/[^a-z0-9]+/gi, '-')}`,
    );
    await writeChart(dir, c.values, {
      'case.yaml': c.template,
      ...(c.partials === undefined ? {} : { '_partials.tpl': c.partials }),
    });
    const result = await helmTemplate(helm, dir, temp);
    const pattern = new RegExp(c.error ?? '');
    expect(result.ok).toBe(false);
    expect(result.err).toMatch(pattern);
    expect(() => engineRender(c)).toThrow(pattern);
  });
});

describe('renderHelmStyle', () => {
  it('drops "<no value>" as Helm does', () => {
    expect(renderHelmStyle('t', '[{{ .Values.missing }}]', new Map([['Values', new Map()]]))).toBe(
      '[]',
    );
  });
});

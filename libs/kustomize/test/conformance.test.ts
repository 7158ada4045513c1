/**
 * Conformance: every case under cases/ is built by the engine and by the real kustomize
 * (`kubectl kustomize`), and the outputs must be byte-identical. A case with a `build-dir` file
 * builds the directory it names.
 *
 * A case with an `expect-error` file must fail in both, each for the reason the case names.
 * Each line of that file is `engine: RE`, `kustomize: RE` or `both: RE`: a JavaScript regular
 * expression (unanchored, no flags) that the engine's KustomizeError message, kubectl's stderr,
 * or both must match. Every such file gives at least one for each tool, so a fixture that fails
 * for an unrelated reason (a YAML typo, a missing file) fails its case.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { oracles, run } from '@tide/harness';
import { build, KustomizeError } from '@tide/kustomize';

const casesDir = join(import.meta.dirname, 'cases');
const cases = readdirSync(casesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

function buildDirOf(name: string): string {
  const marker = join(casesDir, name, 'build-dir');
  const relative = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : '.';
  return join(casesDir, name, relative);
}

interface ErrorExpectation {
  readonly engine: readonly RegExp[];
  readonly kustomize: readonly RegExp[];
}

function errorExpectationOf(name: string): ErrorExpectation | undefined {
  const file = join(casesDir, name, 'expect-error');
  if (!existsSync(file)) return undefined;
  const engine: RegExp[] = [];
  const kustomize: RegExp[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const match = /^(engine|kustomize|both): (.+)$/.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) {
      throw new Error(
        `${file}: a line must be "engine: RE", "kustomize: RE" or "both: RE": ${line}`,
      );
    }
    const pattern = new RegExp(match[2]);
    if (match[1] !== 'kustomize') engine.push(pattern);
    if (match[1] !== 'engine') kustomize.push(pattern);
  }
  if (engine.length === 0 || kustomize.length === 0) {
    throw new Error(`${file}: needs a pattern for the engine and one for kustomize`);
  }
  return { engine, kustomize };
}

type Outcome = { ok: true; yaml: string } | { ok: false; message: string };

async function kustomize(dir: string): Promise<Outcome> {
  const { kubectl } = await oracles();
  try {
    return { ok: true, yaml: await run(kubectl, ['kustomize', dir]) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The harness prefixes stderr with the command line, which names the case's directory.
    const head = `${kubectl} kustomize ${dir} failed (`;
    const end = message.startsWith(head) ? message.indexOf('): ', head.length) : -1;
    return { ok: false, message: end === -1 ? message : message.slice(end + 3) };
  }
}

function engine(dir: string): Outcome {
  try {
    return { ok: true, yaml: build(dir).yaml };
  } catch (error) {
    if (!(error instanceof KustomizeError)) throw error;
    return { ok: false, message: error.message };
  }
}

describe('kustomize conformance', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases)('%s', async (name) => {
    const dir = buildDirOf(name);
    const expectError = errorExpectationOf(name);
    const [ours, theirs] = [engine(dir), await kustomize(dir)];
    if (expectError !== undefined) {
      expect(theirs.ok).toBe(false);
      expect(ours.ok).toBe(false);
      if (theirs.ok || ours.ok) return;
      for (const pattern of expectError.kustomize) expect(theirs.message).toMatch(pattern);
      for (const pattern of expectError.engine) expect(ours.message).toMatch(pattern);
      return;
    }
    if (!theirs.ok)
      throw new Error(`kustomize failed on a case not marked expect-error: ${theirs.message}`);
    if (!ours.ok) throw new Error(`engine failed: ${ours.message}`);
    expect(ours.yaml).toBe(theirs.yaml);
  });
});

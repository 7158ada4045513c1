/**
 * Conformance: every case under cases/ is built by the engine and by the real kustomize
 * (`kubectl kustomize`), and the outputs must be byte-identical. A case with an `expect-error`
 * file must fail in both. A case with a `build-dir` file builds the directory it names.
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

type Outcome = { ok: true; yaml: string } | { ok: false; message: string };

async function kustomize(dir: string): Promise<Outcome> {
  const { kubectl } = await oracles();
  try {
    return { ok: true, yaml: await run(kubectl, ['kustomize', dir]) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
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
    const expectError = existsSync(join(casesDir, name, 'expect-error'));
    const [ours, theirs] = [engine(dir), await kustomize(dir)];
    if (expectError) {
      expect(theirs.ok).toBe(false);
      expect(ours.ok).toBe(false);
      return;
    }
    if (!theirs.ok)
      throw new Error(`kustomize failed on a case not marked expect-error: ${theirs.message}`);
    if (!ours.ok) throw new Error(`engine failed: ${ours.message}`);
    expect(ours.yaml).toBe(theirs.yaml);
  });
});

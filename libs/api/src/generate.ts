// Writes crds/ from the kind definitions and tells whether crds/ is up to date.
import { readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { crdFileName, renderCrd } from './crd.js';
import { kindDefinitions } from './kinds.js';

/** The files crds/ must hold: name → content. */
export function renderedCrds(): Map<string, string> {
  const files = new Map<string, string>();
  for (const definition of kindDefinitions)
    files.set(crdFileName(definition), renderCrd(definition));
  return files;
}

/** What differs between a crds/ directory and what the generator writes. */
export interface CrdDrift {
  readonly missing: readonly string[];
  readonly changed: readonly string[];
  readonly extra: readonly string[];
}

export async function crdDrift(dir: string): Promise<CrdDrift> {
  const wanted = renderedCrds();
  const present = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.yaml'));
  const missing: string[] = [];
  const changed: string[] = [];
  for (const [name, content] of wanted) {
    if (!present.includes(name)) missing.push(name);
    else if ((await readFile(join(dir, name), 'utf8')) !== content) changed.push(name);
  }
  const extra = present.filter((name) => !wanted.has(name));
  return { missing, changed, extra };
}

/** Rewrites crds/: every kind's file, and removes YAML files no kind produces. */
export async function writeCrds(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const wanted = renderedCrds();
  for (const name of (await readdir(dir)).filter((f) => f.endsWith('.yaml'))) {
    if (!wanted.has(name)) await rm(join(dir, name));
  }
  for (const [name, content] of wanted) await writeFile(join(dir, name), content);
  return [...wanted.keys()];
}

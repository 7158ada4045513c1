// The example manifests under examples/: one file per kind, one document per served version,
// written the way people wrote them for that version.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export interface ExampleManifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string };
  readonly spec: Record<string, unknown>;
}

export interface Example {
  readonly file: string;
  readonly manifest: ExampleManifest;
  /** The document's YAML text, as kubectl gets it. */
  readonly yaml: string;
}

const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'examples');

export function loadExamples(): Example[] {
  const examples: Example[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      examples.push({ file, manifest: doc.toJS() as ExampleManifest, yaml: doc.toString() });
    }
  }
  return examples;
}

// The README's supported-fields section, generated from the support matrix: one table per
// kind, a row per top-level spec field (or per leaf where its leaves differ). A test keeps
// the README equal to this text; `npm run -w @tide/api readme` rewrites it.
import { readFile, writeFile } from 'node:fs/promises';
import type { KindDefinition } from './crd.js';
import { specLeaves } from './fields.js';
import { kindDefinitions } from './kinds.js';
import { covers, ruleBase, supportMatrix, supportOf, type Support } from './support.js';

export const readmeBegin =
  '<!-- support-matrix:begin (generated from libs/api/src/support.ts: npm run -w @tide/api readme) -->';
export const readmeEnd = '<!-- support-matrix:end -->';

const intro = `Every kind serves its Flux versions (storage version first) with \`conversion: None\` and one
stored shape, so older manifests apply unchanged (details and limits in
[libs/api/README.md](libs/api/README.md)). For every field of every kind, Tide's support
matrix (\`libs/api/src/support.ts\`) says whether Tide does what Flux does with it or refuses
it: a GitRepository, HelmRepository, HelmChart or Kustomization that sets a refused field goes
\`Ready=False\` and \`Stalled=True\` with reason \`UnsupportedField\` and a message naming each
field and what to do, and nothing is fetched or applied (the last artifact stays). Kinds
without a controller yet refuse every field. Status fields are written by the controllers and
are not listed.`;

/** The generated text between the markers (markers excluded). */
export function supportSection(): string {
  const parts = [intro];
  for (const definition of kindDefinitions) parts.push(kindSection(definition));
  return `${parts.join('\n\n')}\n`;
}

function kindSection(definition: KindDefinition): string {
  const versions = definition.versions.map((v, i) => (i === 0 ? `**${v.name}**` : v.name));
  const heading = `### ${definition.kind} (${versions.join(', ')})`;
  const rules = supportMatrix[definition.kind] ?? {};
  const leaves = [
    ...new Set(definition.versions.flatMap((version) => specLeaves(definition, version))),
  ].sort();
  const everyField = rules['spec.*'];
  if (Object.keys(rules).length === 1 && everyField !== undefined) {
    const accepted = [...new Set(leaves.map(topField))].map((f) => `\`${f}\``).join(', ');
    return `${heading}\n\nEvery field: ${describe(everyField)}. The CRD accepts (so manifests apply): ${accepted}.`;
  }
  const groups = new Map<string, string[]>();
  for (const leaf of leaves) {
    const top = topField(leaf);
    groups.set(top, [...(groups.get(top) ?? []), leaf]);
  }
  const rows = ['| field | Tide |', '|---|---|'];
  for (const [top, paths] of groups) {
    const supports = new Set(paths.map((p) => supportOf(definition.kind, p) ?? 'unclassified'));
    const values = valueRules(rules, `spec.${top}`);
    if (supports.size === 1) {
      const [only] = supports;
      rows.push(row(display(`spec.${top}`, paths), withValues(only ?? 'unclassified', values)));
      continue;
    }
    for (const path of paths) {
      const support = supportOf(definition.kind, path) ?? 'unclassified';
      rows.push(
        row(`\`${path.slice('spec.'.length)}\``, withValues(support, valueRules(rules, path))),
      );
    }
  }
  return `${heading}\n\n${rows.join('\n')}`;
}

/** `ref` for `spec.ref.branch`, `include` for `spec.include[].toPath`. */
function topField(leaf: string): string {
  const rest = leaf.slice('spec.'.length);
  const end = rest.search(/[.[]/);
  return end === -1 ? rest : rest.slice(0, end);
}

/** `ref {branch, commit}`, `valuesFiles[]`, or the field alone. */
function display(base: string, paths: readonly string[]): string {
  const name = base.slice('spec.'.length);
  if (paths.length === 1 && paths[0] === base) return `\`${name}\``;
  if (paths.length === 1 && paths[0] === `${base}[]`) return `\`${name}[]\``;
  const inner = paths.map((p) => p.slice(base.length).replace(/^\[\]/, '').replace(/^\./, ''));
  const isArray = paths.every((p) => p.startsWith(`${base}[]`));
  return `\`${name}${isArray ? '[]' : ''}\` {${inner.join(', ')}}`;
}

function valueRules(rules: Readonly<Record<string, Support>>, base: string): [string, Support][] {
  return Object.entries(rules)
    .filter(([rule]) => rule.includes('=') && covers(base, ruleBase(rule)))
    .map(([rule, support]) => [rule.slice(rule.indexOf('=') + 1), support]);
}

function withValues(
  support: Support | 'unclassified',
  values: readonly [string, Support][],
): string {
  const text = support === 'unclassified' ? 'unclassified' : describe(support);
  const exceptions = values.map(([value, s]) => `\`${value}\`: ${describe(s)}`);
  return exceptions.length === 0 ? text : `${text}; except ${exceptions.join('; ')}`;
}

function describe(support: Support): string {
  return support.replace(/^(supported|refused): /, '$1 — ');
}

function row(field: string, text: string): string {
  return `| ${field} | ${text.replaceAll('|', '\\|')} |`;
}

/** The section of a README between the markers, or undefined when they are missing. */
export function readmeSection(readme: string): string | undefined {
  const begin = readme.indexOf(readmeBegin);
  const end = readme.indexOf(readmeEnd);
  if (begin === -1 || end === -1 || end < begin) return undefined;
  return readme.slice(begin + readmeBegin.length + 1, end);
}

/** Rewrites the section of the README at `path`; throws when its markers are missing. */
export async function writeReadmeSection(path: string): Promise<void> {
  const readme = await readFile(path, 'utf8');
  if (readmeSection(readme) === undefined)
    throw new Error(`${path}: no ${readmeBegin} … ${readmeEnd} section`);
  const begin = readme.indexOf(readmeBegin) + readmeBegin.length + 1;
  const end = readme.indexOf(readmeEnd);
  await writeFile(path, `${readme.slice(0, begin)}${supportSection()}${readme.slice(end)}`);
}

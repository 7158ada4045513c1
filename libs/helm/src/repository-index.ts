import { parse } from 'yaml';
import {
  compareVersions,
  parseConstraints,
  parseVersion,
  InvalidConstraintError,
  type Version,
} from '@tide/semver';
import { HelmError } from './errors.js';

/** One chart version listed in a repository's index.yaml. */
export interface ChartVersionEntry {
  readonly name: string;
  readonly version: string;
  readonly urls: readonly string[];
  readonly digest?: string;
  readonly appVersion?: string;
}

export interface RepositoryIndex {
  readonly apiVersion: string;
  /** Versions per chart name, as listed. */
  readonly entries: ReadonlyMap<string, readonly ChartVersionEntry[]>;
}

/** Parses and validates a Helm repository index (`index.yaml`). */
export function parseRepositoryIndex(text: string, where: string): RepositoryIndex {
  let document: unknown;
  try {
    document = parse(text, { maxAliasCount: 1000 });
  } catch (error) {
    throw new HelmError(
      'InvalidIndex',
      `${where}: index.yaml is not valid YAML: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (typeof document !== 'object' || document === null) {
    throw new HelmError('InvalidIndex', `${where}: index.yaml is empty or not a map`);
  }
  const { apiVersion, entries } = document as { apiVersion?: unknown; entries?: unknown };
  if (apiVersion !== 'v1') {
    throw new HelmError(
      'InvalidIndex',
      `${where}: index.yaml apiVersion is ${JSON.stringify(apiVersion ?? null)}, want "v1"`,
    );
  }
  if (
    entries !== undefined &&
    entries !== null &&
    (typeof entries !== 'object' || Array.isArray(entries))
  ) {
    throw new HelmError(
      'InvalidIndex',
      `${where}: index.yaml entries must be a map of chart names to version lists`,
    );
  }
  const parsed = new Map<string, ChartVersionEntry[]>();
  for (const [name, versions] of Object.entries((entries ?? {}) as Record<string, unknown>)) {
    if (!Array.isArray(versions)) {
      throw new HelmError('InvalidIndex', `${where}: index.yaml entries.${name} must be a list`);
    }
    parsed.set(
      name,
      versions.map((entry: unknown, i) =>
        toEntry(name, entry, `${where}: index.yaml entries.${name}[${i}]`),
      ),
    );
  }
  return { apiVersion, entries: parsed };
}

function toEntry(name: string, entry: unknown, where: string): ChartVersionEntry {
  if (typeof entry !== 'object' || entry === null)
    throw new HelmError('InvalidIndex', `${where} is not a map`);
  const { version, urls, digest, appVersion } = entry as Record<string, unknown>;
  if (typeof version !== 'string' && typeof version !== 'number') {
    throw new HelmError('InvalidIndex', `${where} has no version`);
  }
  if (!Array.isArray(urls) || urls.length === 0 || !urls.every((u) => typeof u === 'string')) {
    throw new HelmError('InvalidIndex', `${where} has no urls`);
  }
  return {
    name,
    version: String(version),
    urls: urls,
    ...(typeof digest === 'string' ? { digest } : {}),
    ...(typeof appVersion === 'string' ? { appVersion } : {}),
  };
}

/**
 * The highest version of `chart` within `constraint` (Masterminds rules, as Helm and Flux
 * use; `*` when empty). Versions that are not SemVer are never picked.
 */
export function selectChartVersion(
  index: RepositoryIndex,
  chart: string,
  constraint: string,
): ChartVersionEntry {
  const versions = index.entries.get(chart);
  if (versions === undefined || versions.length === 0) {
    throw new HelmError(
      'ChartNotFound',
      `chart ${JSON.stringify(chart)} is not in the repository index`,
    );
  }
  let constraints;
  try {
    constraints = parseConstraints(constraint === '' ? '*' : constraint);
  } catch (error) {
    if (!(error instanceof InvalidConstraintError)) throw error;
    throw new HelmError(
      'ChartNotFound',
      `invalid chart version ${JSON.stringify(constraint)}: ${error.message}`,
      { cause: error },
    );
  }
  let best: { entry: ChartVersionEntry; version: Version } | undefined;
  for (const entry of versions) {
    const version = parseVersion(entry.version);
    if (version === undefined || !constraints.check(version)) continue;
    if (best === undefined || compareVersions(version, best.version) > 0) best = { entry, version };
  }
  if (best === undefined) {
    throw new HelmError(
      'ChartNotFound',
      `no chart version of ${JSON.stringify(chart)} matches ${JSON.stringify(constraint)}`,
    );
  }
  return best.entry;
}

/** The absolute download URL of a chart version; relative URLs resolve against the repository. */
export function chartDownloadUrl(repositoryUrl: string, entry: ChartVersionEntry): string {
  const [first] = entry.urls;
  if (first === undefined)
    throw new HelmError('InvalidIndex', `chart ${entry.name} ${entry.version} has no download URL`);
  const base = repositoryUrl.endsWith('/') ? repositoryUrl : `${repositoryUrl}/`;
  return new URL(first, base).toString();
}

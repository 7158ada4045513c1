import { parse } from 'yaml';
import { parseConstraints, parseVersion, InvalidConstraintError } from '@tide/semver';
import { HelmError } from './errors.js';
import { readChartArchiveFiles, readChartDirectoryFiles, defaultMaxChartBytes } from './load.js';
import { toValues } from './strvals.js';
import { newValues, type Values } from './values.js';

/**
 * A chart as Helm's loader builds it: metadata (Chart.yaml, or requirements.yaml for v1),
 * default values, schema, templates, other files, and its sub-charts from charts/.
 */

/** One dependency of Chart.yaml (or requirements.yaml), with Helm's field names. */
export interface ChartDependency {
  name: string;
  version: string;
  repository: string;
  condition: string;
  tags: string[];
  enabled: boolean;
  /** Either `"name"` (from the child's `exports`) or `{ child, parent }`. */
  importValues: unknown[];
  alias: string;
}

export interface ChartMaintainer {
  readonly name: string;
  readonly email: string;
  readonly url: string;
}

/** Chart.yaml as Helm reads it; absent strings are empty, as in Go. */
export interface HelmChartMetadata {
  name: string;
  home: string;
  sources: string[];
  version: string;
  description: string;
  keywords: string[];
  maintainers: ChartMaintainer[];
  icon: string;
  apiVersion: string;
  condition: string;
  tags: string;
  appVersion: string;
  deprecated: boolean;
  annotations: Record<string, string> | null;
  kubeVersion: string;
  dependencies: ChartDependency[];
  type: string;
}

export interface ChartFile {
  readonly name: string;
  readonly data: Buffer;
}

export interface HelmChart {
  metadata: HelmChartMetadata;
  /** values.yaml (changed by import-values while dependencies are processed). */
  values: Values;
  readonly schema: Buffer | undefined;
  readonly templates: readonly ChartFile[];
  /** Every file that is neither Chart.yaml, values, schema, a template nor a sub-chart. */
  readonly files: readonly ChartFile[];
  dependencies: HelmChart[];
  parent: HelmChart | undefined;
}

/** Bounds on a chart tree, tenant input. */
export interface ChartLimits {
  /** All decompressed bytes of one archive (Helm: 100 MiB). */
  readonly maxBytes: number;
  /** One file (Helm: 5 MiB). */
  readonly maxFileBytes: number;
  /** Files in the whole tree. */
  readonly maxFiles: number;
  /** Sub-chart nesting. */
  readonly maxDepth: number;
}

export const defaultChartLimits: ChartLimits = {
  maxBytes: defaultMaxChartBytes,
  maxFileBytes: 5 * 1024 * 1024,
  maxFiles: 10_000,
  maxDepth: 16,
};

/** Aliases a YAML document may use before it is refused as an alias bomb. */
const maxAliasCount = 100;

/** Reads YAML as Helm does (YAML 1.1: `yes`, `y`, `on` are booleans), maps without prototype. */
export function readYaml(text: string): unknown {
  return toValues(parse(text, { version: '1.1', maxAliasCount, uniqueKeys: false }));
}

const invalid = (message: string): HelmError => new HelmError('InvalidChart', message);

const stringField = (fields: Values, key: string, where: string): string => {
  const value = fields[key];
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw invalid(`${where}: cannot unmarshal ${key}: want a string`);
};

const stringList = (value: unknown): string[] =>
  Array.isArray(value) ? value.map((entry) => (entry === null ? '' : String(entry))) : [];

const isMap = (value: unknown): value is Values =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const importValuesOf = (value: unknown): unknown[] =>
  Array.isArray(value) ? (value as unknown[]).slice() : [];

function readDependencies(value: unknown, where: string): ChartDependency[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`${where}: dependencies must be a list`);
  return value.map((entry: unknown) => {
    if (!isMap(entry))
      throw invalid('validation: dependencies must not contain empty or null nodes');
    return {
      name: stringField(entry, 'name', where),
      version: stringField(entry, 'version', where),
      repository: stringField(entry, 'repository', where),
      condition: stringField(entry, 'condition', where),
      tags: stringList(entry.tags),
      enabled: entry.enabled === true,
      importValues: importValuesOf(entry['import-values']),
      alias: stringField(entry, 'alias', where),
    };
  });
}

function readMetadata(text: string, where: string): HelmChartMetadata {
  let document: unknown;
  try {
    document = readYaml(text);
  } catch (error) {
    throw new HelmError('InvalidChart', `cannot load Chart.yaml: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const fields = isMap(document) ? document : newValues();
  const annotations = isMap(fields.annotations)
    ? Object.fromEntries(Object.entries(fields.annotations).map(([k, v]) => [k, String(v)]))
    : null;
  return {
    name: stringField(fields, 'name', where),
    home: stringField(fields, 'home', where),
    sources: stringList(fields.sources),
    version: stringField(fields, 'version', where),
    description: stringField(fields, 'description', where),
    keywords: stringList(fields.keywords),
    maintainers: Array.isArray(fields.maintainers)
      ? fields.maintainers.filter(isMap).map((m) => ({
          name: stringField(m, 'name', where),
          email: stringField(m, 'email', where),
          url: stringField(m, 'url', where),
        }))
      : [],
    icon: stringField(fields, 'icon', where),
    apiVersion: stringField(fields, 'apiVersion', where),
    condition: stringField(fields, 'condition', where),
    tags: stringField(fields, 'tags', where),
    appVersion: stringField(fields, 'appVersion', where),
    deprecated: fields.deprecated === true,
    annotations,
    kubeVersion: stringField(fields, 'kubeVersion', where),
    dependencies: readDependencies(fields.dependencies, where),
    type: stringField(fields, 'type', where),
  };
}

const aliasFormat = /^[a-zA-Z0-9_-]+$/;

/** Helm's Metadata.Validate, with its messages. */
function validateMetadata(metadata: HelmChartMetadata): void {
  if (metadata.apiVersion === '')
    throw invalid('validation: chart.metadata.apiVersion is required');
  if (metadata.name === '') throw invalid('validation: chart.metadata.name is required');
  if (metadata.name.includes('/') || metadata.name === '.' || metadata.name === '..')
    throw invalid(`validation: chart.metadata.name ${JSON.stringify(metadata.name)} is invalid`);
  if (metadata.version === '') throw invalid('validation: chart.metadata.version is required');
  if (parseVersion(metadata.version) === undefined)
    throw invalid(
      `validation: chart.metadata.version ${JSON.stringify(metadata.version)} is invalid`,
    );
  if (!['', 'application', 'library'].includes(metadata.type))
    throw invalid('validation: chart.metadata.type must be application or library');
  const seen = new Set<string>();
  for (const dependency of metadata.dependencies) {
    if (dependency.alias !== '' && !aliasFormat.test(dependency.alias)) {
      throw invalid(
        `validation: dependency ${JSON.stringify(dependency.name)} has disallowed characters in the alias`,
      );
    }
    const key = dependency.alias === '' ? dependency.name : dependency.alias;
    if (seen.has(key))
      throw invalid(
        `validation: more than one dependency with name or alias ${JSON.stringify(key)}`,
      );
    seen.add(key);
  }
}

interface LoadState {
  files: number;
  readonly limits: ChartLimits;
}

/** Builds a chart (and its sub-charts) from its files, as Helm's loader does. */
async function chartFromFileMap(
  files: ReadonlyMap<string, Buffer>,
  state: LoadState,
  depth: number,
): Promise<HelmChart> {
  if (depth > state.limits.maxDepth) {
    throw new HelmError('TooLarge', `sub-charts nest deeper than ${state.limits.maxDepth} levels`);
  }
  state.files += files.size;
  if (state.files > state.limits.maxFiles) {
    throw new HelmError('TooLarge', `chart holds more than ${state.limits.maxFiles} files`);
  }
  let metadata: HelmChartMetadata | undefined;
  let values = newValues();
  let schema: Buffer | undefined;
  let requirements: ChartDependency[] | undefined;
  const templates: ChartFile[] = [];
  const other: ChartFile[] = [];
  const subcharts = new Map<string, Map<string, Buffer>>();
  for (const [name, data] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (data.length > state.limits.maxFileBytes) {
      throw new HelmError(
        'TooLarge',
        `chart file ${name} is larger than the limit of ${state.limits.maxFileBytes} bytes`,
      );
    }
    if (name === 'Chart.yaml') {
      metadata = readMetadata(data.toString('utf8'), name);
    } else if (name === 'values.yaml') {
      values = readChartValues(data.toString('utf8'));
    } else if (name === 'values.schema.json') {
      schema = data;
    } else if (name === 'requirements.yaml') {
      requirements = readRequirements(data.toString('utf8'));
    } else if (name === 'requirements.lock' || name === 'Chart.lock') {
      other.push({ name, data });
    } else if (name.startsWith('templates/')) {
      templates.push({ name, data });
    } else if (name.startsWith('charts/')) {
      const inner = name.slice('charts/'.length);
      if (inner.endsWith('.prov')) {
        other.push({ name, data });
        continue;
      }
      if (inner.startsWith('.') || inner.startsWith('_')) continue;
      const [sub = ''] = inner.split('/', 1);
      const group = subcharts.get(sub) ?? new Map<string, Buffer>();
      group.set(inner.slice(sub.length + 1), data);
      if (sub.endsWith('.tgz')) group.set('', data);
      subcharts.set(sub, group);
    } else {
      other.push({ name, data });
    }
  }
  if (metadata === undefined) throw invalid('Chart.yaml file is missing');
  if (metadata.apiVersion === '') metadata.apiVersion = 'v1';
  if (metadata.apiVersion !== 'v1' && metadata.apiVersion !== 'v2')
    throw invalid('invalid chart apiVersion');
  if (requirements !== undefined) metadata.dependencies = requirements;
  validateMetadata(metadata);
  const chart: HelmChart = {
    metadata,
    values,
    schema,
    templates,
    files: other,
    dependencies: [],
    parent: undefined,
  };
  for (const [name, group] of subcharts) {
    let sub: HelmChart;
    try {
      const archive = group.get('');
      const subFiles = name.endsWith('.tgz')
        ? (await readChartArchiveFiles(archive ?? Buffer.alloc(0), name, state.limits.maxBytes))
            .files
        : group;
      sub = await chartFromFileMap(subFiles, state, depth + 1);
    } catch (error) {
      if (!(error instanceof HelmError) || error.reason === 'TooLarge') throw error;
      throw new HelmError(
        error.reason,
        `error unpacking subchart ${name} in ${metadata.name}: ${error.message}`,
        { cause: error },
      );
    }
    sub.parent = chart;
    chart.dependencies.push(sub);
  }
  return chart;
}

function readChartValues(text: string): Values {
  let document: unknown;
  try {
    document = readYaml(text);
  } catch (error) {
    throw new HelmError('InvalidValues', `cannot load values.yaml: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (document === null || document === undefined) return newValues();
  if (!isMap(document)) throw new HelmError('InvalidValues', 'cannot load values.yaml: not a map');
  return document;
}

function readRequirements(text: string): ChartDependency[] {
  const document = readYaml(text);
  return readDependencies(isMap(document) ? document.dependencies : undefined, 'requirements.yaml');
}

/** Where a chart comes from: a directory, a `.tgz`, or files already in memory. */
export type ChartSource =
  | { readonly directory: string }
  | { readonly archive: Buffer }
  | { readonly files: ReadonlyMap<string, Buffer> };

/** Loads a chart tree as Helm's loader does (metadata validated, sub-charts from charts/). */
export async function loadHelmChart(
  source: ChartSource,
  limits: ChartLimits = defaultChartLimits,
): Promise<HelmChart> {
  const files =
    'directory' in source
      ? await readChartDirectoryFiles(source.directory)
      : 'archive' in source
        ? (await readChartArchiveFiles(source.archive, 'chart archive', limits.maxBytes)).files
        : source.files;
  return chartFromFileMap(files, { files: 0, limits }, 0);
}

/** The chart's name as Helm uses it for paths: the alias once dependencies are processed. */
export const chartName = (chart: HelmChart): string => chart.metadata.name;

/** `parent/charts/sub`, the prefix of template names. */
export function chartFullPath(chart: HelmChart): string {
  return chart.parent === undefined
    ? chartName(chart)
    : `${chartFullPath(chart.parent)}/charts/${chartName(chart)}`;
}

/** Masterminds constraint check as Helm's IsCompatibleRange (invalid input is "no"). */
export function isCompatibleRange(constraint: string, version: string): boolean {
  const parsed = parseVersion(version);
  // Masterminds refuses an empty constraint, so a dependency without a version matches nothing.
  if (parsed === undefined || constraint.trim() === '') return false;
  try {
    return parseConstraints(constraint).check(parsed);
  } catch (error) {
    if (error instanceof InvalidConstraintError) return false;
    throw error;
  }
}

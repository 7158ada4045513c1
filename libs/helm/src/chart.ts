import { parse } from 'yaml';
import { parseVersion } from '@tide/semver';
import { HelmError } from './errors.js';

/** The fields of Chart.yaml Tide reads; the file itself is kept byte for byte. */
export interface ChartMetadata {
  readonly apiVersion: string;
  readonly name: string;
  readonly version: string;
  readonly appVersion?: string;
  /** Chart.yaml `dependencies`, by name (and alias when set). */
  readonly dependencies?: readonly {
    readonly name: string;
    readonly version?: string;
    readonly alias?: string;
  }[];
}

/** A chart as files: paths relative to the chart root, Chart.yaml among them. */
export interface LoadedChart {
  readonly metadata: ChartMetadata;
  readonly files: ReadonlyMap<string, Buffer>;
}

const namePattern = /^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/i;

/** Parses and validates Chart.yaml the way Helm refuses a broken one. */
export function parseChartMetadata(text: string, where: string): ChartMetadata {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new HelmError(
      'InvalidChart',
      `${where}: Chart.yaml is not valid YAML: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (typeof document !== 'object' || document === null) {
    throw new HelmError('InvalidChart', `${where}: Chart.yaml is empty or not a map`);
  }
  const fields = document as Record<string, unknown>;
  const field = (key: string): string | undefined => {
    const value = fields[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new HelmError('InvalidChart', `${where}: Chart.yaml field ${key} must be a string`);
    }
    return String(value);
  };
  const apiVersion = field('apiVersion');
  const name = field('name');
  const version = field('version');
  const appVersion = field('appVersion');
  if (apiVersion === undefined)
    throw new HelmError('InvalidChart', `${where}: Chart.yaml has no apiVersion (want v2)`);
  if (name === undefined || !namePattern.test(name)) {
    throw new HelmError(
      'InvalidChart',
      `${where}: Chart.yaml name ${JSON.stringify(name ?? '')} is missing or invalid`,
    );
  }
  if (version === undefined || parseVersion(version) === undefined || version.startsWith('v')) {
    throw new HelmError(
      'InvalidChart',
      `${where}: Chart.yaml version ${JSON.stringify(version ?? '')} is not a valid SemVer 2 version`,
    );
  }
  const dependencies = parseDependencies(fields.dependencies, where);
  return {
    apiVersion,
    name,
    version,
    ...(appVersion === undefined ? {} : { appVersion }),
    ...(dependencies.length === 0 ? {} : { dependencies }),
  };
}

function parseDependencies(
  value: unknown,
  where: string,
): NonNullable<ChartMetadata['dependencies']> {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new HelmError('InvalidChart', `${where}: Chart.yaml dependencies must be a list`);
  return value.map((entry: unknown, i) => {
    const { name, version, alias } = (entry ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') {
      throw new HelmError('InvalidChart', `${where}: Chart.yaml dependencies[${i}] has no name`);
    }
    return {
      name,
      ...(typeof version === 'string' ? { version } : {}),
      ...(typeof alias === 'string' ? { alias } : {}),
    };
  });
}

import { parseDocument } from 'yaml';
import { buildTarball, type TarEntry } from '@tide/artifact';
import type { LoadedChart } from './chart.js';

/** The order `helm package` writes: Chart.yaml, values.yaml, then the rest, sub-charts last. */
function packageOrder(paths: readonly string[]): string[] {
  const rank = (path: string): number => {
    if (path === 'Chart.yaml') return 0;
    if (path === 'values.yaml') return 1;
    if (path === 'values.schema.json') return 2;
    if (path.startsWith('templates/')) return 3;
    if (path.startsWith('charts/')) return 5;
    return 4;
  };
  return [...paths].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

export interface PackageOptions {
  /** Replaces values.yaml (HelmChart `valuesFiles` merged). */
  readonly values?: string;
}

/**
 * Packages a chart into a `.tgz` laid out as `helm package` lays it out (every file under
 * `<name>/`, Chart.yaml first, no directory entries), deterministically.
 */
export function packageChart(chart: LoadedChart, options: PackageOptions = {}): Buffer {
  const files = new Map(chart.files);
  if (options.values !== undefined) files.set('values.yaml', Buffer.from(options.values));
  const entries: TarEntry[] = packageOrder([...files.keys()]).map((path) => ({
    path: `${chart.metadata.name}/${path}`,
    type: 'file',
    content: files.get(path) ?? Buffer.alloc(0),
  }));
  return buildTarball(entries, { asGiven: true });
}

/**
 * The chart with another version in its metadata and Chart.yaml (HelmChart
 * `reconcileStrategy: Revision` appends the source revision as build metadata).
 */
export function setChartVersion(chart: LoadedChart, version: string): LoadedChart {
  const chartYaml = chart.files.get('Chart.yaml');
  if (chartYaml === undefined) return chart;
  const document = parseDocument(chartYaml.toString('utf8'));
  document.set('version', version);
  const files = new Map(chart.files);
  files.set('Chart.yaml', Buffer.from(document.toString()));
  return { metadata: { ...chart.metadata, version }, files };
}

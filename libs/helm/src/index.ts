/**
 * @tide/helm: Helm charts as source-controller handles them — repository indexes and
 * version selection (Masterminds rules), loading charts from directories and archives,
 * packaging them as `helm package` lays them out, and merging values files.
 */
export { HelmError, type HelmErrorReason } from './errors.js';
export { parseChartMetadata, type ChartMetadata, type LoadedChart } from './chart.js';
export { chartFromFiles, loadChartArchive, loadChartDirectory } from './load.js';
export { packageChart, setChartVersion, type PackageOptions } from './package.js';
export { mergeValues, mergeValuesFiles, parseValues } from './values.js';
export {
  chartDownloadUrl,
  parseRepositoryIndex,
  selectChartVersion,
  type ChartVersionEntry,
  type RepositoryIndex,
} from './repository-index.js';

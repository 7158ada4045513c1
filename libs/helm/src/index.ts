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
export {
  loadHelmChart,
  defaultChartLimits,
  type ChartDependency,
  type ChartFile,
  type ChartLimits,
  type ChartSource,
  type HelmChart,
  type HelmChartMetadata,
} from './chart-model.js';
export { coalesceValues, processDependencies } from './coalesce.js';
export {
  installOrder,
  sortManifests,
  splitManifests,
  type HookEvent,
  type RenderedHook,
  type RenderedManifest,
} from './manifests.js';
export {
  ChartFiles,
  TemplateEngineError,
  chartObject,
  identityTemplateEngine,
  parseKubeVersion,
  renderChart,
  type RenderContext,
  type RenderOptions,
  type RenderResult,
  type RenderedCrd,
  type TemplateEngine,
  type TemplateEngineResult,
  type TemplateToRender,
} from './render.js';
export { validateValuesSchemas } from './schema.js';
export { inferTypedValue, parseSetInto, type SetFlag } from './strvals.js';
export { mergeValueOptions, type ValueOptions } from './user-values.js';

import { parseVersion } from '@tide/semver';
import {
  chartFullPath,
  chartName,
  isCompatibleRange,
  type ChartFile,
  type HelmChart,
  type HelmChartMetadata,
} from './chart-model.js';
import { checkDependencies, coalesceValues, processDependencies, tableAt } from './coalesce.js';
import { defaultApiVersions } from './default-api-versions.js';
import { HelmError } from './errors.js';
import {
  sortManifests,
  splitManifests,
  type RenderedHook,
  type RenderedManifest,
} from './manifests.js';
import { validateValuesSchemas } from './schema.js';
import { mergeValueOptions, type ValueOptions } from './user-values.js';
import type { Values } from './values.js';

/**
 * `helm template` around an injected template engine: values computed as Helm computes
 * them, every template handed to the engine with the objects Helm gives it, and the
 * output split, sorted, separated into hooks and printed as Helm prints it.
 */

/** The files of a chart as templates see them (`.Files`). */
export class ChartFiles {
  constructor(private readonly entries: ReadonlyMap<string, Buffer>) {}
  static of(files: readonly ChartFile[]): ChartFiles {
    return new ChartFiles(new Map(files.map((file) => [file.name, file.data])));
  }
  /** The file's text, '' when absent (Helm's Files.Get). */
  get(name: string): string {
    return this.entries.get(name)?.toString('utf8') ?? '';
  }
  getBytes(name: string): Buffer {
    return this.entries.get(name) ?? Buffer.alloc(0);
  }
  /** The file's lines (Helm's Files.Lines). */
  lines(name: string): string[] {
    const text = this.entries.get(name)?.toString('utf8');
    return text === undefined ? [] : text.split('\n');
  }
  /** The files whose names match a glob (`*` within a segment, `**` across). */
  glob(pattern: string): ChartFiles {
    const matcher = globPattern(pattern);
    return new ChartFiles(new Map([...this.entries].filter(([name]) => matcher.test(name))));
  }
  names(): string[] {
    return [...this.entries.keys()];
  }
}

function globPattern(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i] ?? '';
    if (c === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i += 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '{') source += '(?:';
    else if (c === '}') source += ')';
    else if (c === ',') source += '|';
    else if (c === '[' || c === ']') source += c;
    else if (c === '\\') {
      i += 1;
      source += (pattern[i] ?? '').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'u');
}

/** `.Chart`, with Helm's (Go) field names. */
export function chartObject(metadata: HelmChartMetadata, isRoot: boolean): Values {
  const object = Object.create(null) as Values;
  Object.assign(object, {
    Name: metadata.name,
    Home: metadata.home,
    Sources: metadata.sources,
    Version: metadata.version,
    Description: metadata.description,
    Keywords: metadata.keywords,
    Maintainers: metadata.maintainers.map((m) => ({ Name: m.name, Email: m.email, URL: m.url })),
    Icon: metadata.icon,
    APIVersion: metadata.apiVersion,
    Condition: metadata.condition,
    Tags: metadata.tags,
    AppVersion: metadata.appVersion,
    Deprecated: metadata.deprecated,
    Annotations: metadata.annotations,
    KubeVersion: metadata.kubeVersion,
    Dependencies: metadata.dependencies.map((d) => ({
      Name: d.name,
      Version: d.version,
      Repository: d.repository,
      Condition: d.condition,
      Tags: d.tags,
      Enabled: d.enabled,
      ImportValues: d.importValues,
      Alias: d.alias,
    })),
    Type: metadata.type,
    IsRoot: isRoot,
  });
  return object;
}

/** The objects one template is executed with. */
export interface RenderContext {
  readonly Values: Values;
  readonly Release: Values;
  readonly Chart: Values;
  readonly Capabilities: Values;
  readonly Files: ChartFiles;
  readonly Subcharts: Record<string, RenderContext>;
  readonly Template: { readonly Name: string; readonly BasePath: string };
}

/** One template for the engine: its full name (`chart/templates/x.yaml`) and its objects. */
export interface TemplateToRender {
  readonly name: string;
  readonly source: string;
  /** Partials (`_*.tpl`) are parsed for their defines, never executed on their own. */
  readonly partial: boolean;
  readonly context: RenderContext;
}

export class TemplateEngineError extends Error {
  override readonly name = 'TemplateEngineError';
  constructor(
    /** The template that failed, by full name. */
    readonly template: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export type TemplateEngineResult =
  | { readonly ok: true; readonly files: ReadonlyMap<string, string> }
  | { readonly ok: false; readonly error: TemplateEngineError };

/**
 * The template executor (Go text/template + Sprig + Helm's functions). It gets every
 * template of the chart tree (all share one namespace of defines) and returns the output of
 * each non-partial template by name, or the first error.
 */
export interface TemplateEngine {
  render(templates: readonly TemplateToRender[]): TemplateEngineResult;
}

/**
 * An engine for templates without template actions: the output is the source. A template
 * with `{{` is refused rather than printed unrendered.
 */
export const identityTemplateEngine: TemplateEngine = {
  render(templates) {
    const files = new Map<string, string>();
    for (const template of templates) {
      if (template.partial) continue;
      if (template.source.includes('{{')) {
        return {
          ok: false,
          error: new TemplateEngineError(
            template.name,
            `${template.name}: template actions need a template engine`,
          ),
        };
      }
      files.set(template.name, template.source);
    }
    return { ok: true, files };
  },
};

export interface KubeVersion {
  readonly Version: string;
  readonly Major: string;
  readonly Minor: string;
}

/** Helm's ParseKubeVersion: `1.30` is `v1.30.0`. */
export function parseKubeVersion(text: string): KubeVersion {
  const version = parseVersion(text);
  if (version === undefined) {
    throw new HelmError('InvalidValues', `invalid kube version ${JSON.stringify(text)}`);
  }
  const pre = version.prerelease === '' ? '' : `-${version.prerelease}`;
  const meta = version.metadata === '' ? '' : `+${version.metadata}`;
  return {
    Version: `v${version.major}.${version.minor}.${version.patch}${pre}${meta}`,
    Major: String(version.major),
    Minor: String(version.minor),
  };
}

export interface RenderOptions {
  readonly releaseName: string;
  readonly namespace?: string;
  readonly isUpgrade?: boolean;
  readonly revision?: number;
  /** `--kube-version` (default v1.36.0, as Helm 4.2's client). */
  readonly kubeVersion?: string;
  /** `--api-versions`, added to the defaults. */
  readonly apiVersions?: readonly string[];
  readonly values?: ValueOptions;
  readonly includeCrds?: boolean;
  readonly skipTests?: boolean;
  readonly noHooks?: boolean;
  readonly showOnly?: readonly string[];
  /** `--skip-schema-validation`. */
  readonly skipSchemaValidation?: boolean;
  readonly engine: TemplateEngine;
}

export interface RenderedCrd {
  readonly path: string;
  readonly content: string;
}

export interface RenderResult {
  /** The computed `.Values` of the top chart. */
  readonly values: Values;
  readonly manifests: readonly RenderedManifest[];
  readonly hooks: readonly RenderedHook[];
  readonly crds: readonly RenderedCrd[];
  readonly notes: string;
  /** What `helm template` prints for the same flags. */
  readonly output: string;
}

const helmVersion = {
  Version: 'v4.2.3',
  GitCommit: '',
  GitTreeState: '',
  GoVersion: '',
};

function hasManifestExtension(name: string): boolean {
  return ['.yaml', '.yml', '.json'].some((extension) => name.endsWith(extension));
}

/** The chart's CRDs (crds/*.yaml) then its sub-charts', as Helm's CRDObjects. */
function crdObjects(chart: HelmChart): RenderedCrd[] {
  const own = chart.files
    .filter((file) => file.name.startsWith('crds/') && hasManifestExtension(file.name))
    .map((file) => ({
      path: `${chartFullPath(chart)}/${file.name}`,
      content: file.data.toString('utf8'),
    }));
  return [...own, ...chart.dependencies.flatMap(crdObjects)];
}

const isLibrary = (chart: HelmChart): boolean => chart.metadata.type === 'library';

/** Helm's recAllTpls: every chart's templates with the objects scoped to that chart. */
function collectTemplates(
  chart: HelmChart,
  parentValues: Values,
  top: Omit<RenderContext, 'Values' | 'Chart' | 'Files' | 'Subcharts' | 'Template'>,
  isRoot: boolean,
  into: TemplateToRender[],
): RenderContext {
  const scoped = isRoot
    ? parentValues
    : (tableAt(parentValues, chartName(chart)) ?? (Object.create(null) as Values));
  const subcharts: Record<string, RenderContext> = Object.create(null) as Record<
    string,
    RenderContext
  >;
  const context: RenderContext = {
    ...top,
    Values: scoped,
    Chart: chartObject(chart.metadata, isRoot),
    Files: ChartFiles.of(chart.files),
    Subcharts: subcharts,
    Template: { Name: '', BasePath: '' },
  };
  for (const sub of chart.dependencies) {
    subcharts[chartName(sub)] = collectTemplates(sub, scoped, top, false, into);
  }
  const prefix = chartFullPath(chart);
  for (const template of chart.templates) {
    const partial = (template.name.split('/').pop() ?? '').startsWith('_');
    if (isLibrary(chart) && !partial) continue;
    const name = `${prefix}/${template.name}`;
    into.push({
      name,
      source: template.data.toString('utf8'),
      partial,
      context: { ...context, Template: { Name: name, BasePath: `${prefix}/templates` } },
    });
  }
  return context;
}

/** Go's filepath.Match for `--show-only` (no `**`). */
function showOnlyPattern(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i] ?? '';
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return /$^/;
      source += `[${pattern
        .slice(i + 1, end)
        .replace(/^\^/, '^')
        .replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\') {
      i += 1;
      source += (pattern[i] ?? '').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'u');
}

function selectShown(output: string, showOnly: readonly string[]): string {
  const documents = splitManifests(output);
  const chosen: string[] = [];
  for (const pattern of showOnly) {
    const matcher = showOnlyPattern(pattern);
    let missing = true;
    for (const document of documents) {
      const match = /# Source: [^/]+\/(.+)/.exec(document);
      if (match?.[1] === undefined || !matcher.test(match[1])) continue;
      chosen.push(document);
      missing = false;
    }
    if (missing) throw new HelmError('RenderFailed', `could not find template ${pattern} in chart`);
  }
  return chosen.map((document) => `---\n${document}\n`).join('');
}

const source = (path: string, content: string): string => `---\n# Source: ${path}\n${content}\n`;

/** Renders a chart as `helm template NAME CHART [flags]` does, with the given engine. */
export function renderChart(chart: HelmChart, options: RenderOptions): RenderResult {
  if (isLibrary(chart)) throw new HelmError('InvalidChart', 'library charts are not installable');
  checkDependencies(chart);
  const userValues = mergeValueOptions(options.values ?? {});
  const processed = processDependencies(chart, userValues);
  const values = coalesceValues(processed, userValues);
  if (options.skipSchemaValidation !== true) validateValuesSchemas(processed, values);
  const kubeVersion = parseKubeVersion(options.kubeVersion ?? 'v1.36.0');
  if (
    processed.metadata.kubeVersion !== '' &&
    !isCompatibleRange(processed.metadata.kubeVersion, kubeVersion.Version)
  ) {
    throw new HelmError(
      'InvalidChart',
      `chart requires kubeVersion: ${processed.metadata.kubeVersion} which is incompatible with Kubernetes ${kubeVersion.Version}`,
    );
  }
  const release = Object.assign(Object.create(null) as Values, {
    Name: options.releaseName,
    Namespace: options.namespace ?? 'default',
    IsInstall: options.isUpgrade !== true,
    IsUpgrade: options.isUpgrade === true,
    Revision: options.revision ?? 1,
    Service: 'Helm',
  });
  const capabilities = Object.assign(Object.create(null) as Values, {
    KubeVersion: kubeVersion,
    APIVersions: [...defaultApiVersions, ...(options.apiVersions ?? [])],
    HelmVersion: helmVersion,
  });
  const templates: TemplateToRender[] = [];
  collectTemplates(
    processed,
    values,
    { Release: release, Capabilities: capabilities },
    true,
    templates,
  );
  const rendered = options.engine.render(templates);
  if (!rendered.ok) {
    throw new HelmError('RenderFailed', rendered.error.message, { cause: rendered.error });
  }
  const files = new Map(rendered.files);
  let notes = '';
  for (const name of [...files.keys()]) {
    if (!name.endsWith('NOTES.txt')) continue;
    if (name === `${chartName(processed)}/templates/NOTES.txt`) notes += files.get(name) ?? '';
    files.delete(name);
  }
  const { manifests, hooks } = sortManifests(files);
  const crds = crdObjects(processed);
  const releaseManifest = [
    ...(options.includeCrds === true ? crds.map((crd) => source(crd.path, crd.content)) : []),
    ...manifests.map((m) => source(m.path, m.content)),
  ].join('');
  let output = `${releaseManifest.trim()}\n`;
  if (options.noHooks !== true) {
    for (const hook of hooks) {
      if (options.skipTests === true && hook.events.includes('test')) continue;
      output += source(hook.path, hook.content);
    }
  }
  if (options.showOnly !== undefined && options.showOnly.length > 0) {
    output = selectShown(output, options.showOnly);
  }
  return { values, manifests, hooks, crds, notes, output };
}

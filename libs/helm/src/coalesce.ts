import {
  chartName,
  isCompatibleRange,
  type ChartDependency,
  type HelmChart,
} from './chart-model.js';
import { HelmError } from './errors.js';
import { newValues, type Values } from './values.js';

/**
 * Helm's value coalescing (chart defaults under user values, sub-chart scoping, globals)
 * and dependency processing (condition, tags, alias, import-values), with Helm's rules:
 * a user `null` deletes a default, lists and scalars replace whole, parent globals win.
 */

export const isTable = (value: unknown): value is Values =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);

/** A deep copy of values (maps without prototype). */
export function copyValues<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyValues) as T;
  if (isTable(value)) {
    const result = newValues();
    for (const [key, entry] of Object.entries(value)) result[key] = copyValues(entry);
    return result as T;
  }
  return value;
}

const own = (table: Values, key: string): boolean => Object.hasOwn(table, key);

/** `dst` wins; `src` fills in. With merge false, a `null` in `dst` deletes the key. */
export function coalesceTables(dst: Values, src: Values, merge = false): Values {
  for (const [key, value] of Object.entries(dst)) {
    if (value === null) src[key] = null;
  }
  for (const [key, value] of Object.entries(src)) {
    const present = own(dst, key);
    const current = dst[key];
    if (present && !merge && current === null) Reflect.deleteProperty(dst, key);
    else if (!present) dst[key] = value;
    else if (isTable(value) && isTable(current)) coalesceTables(current, value, merge);
  }
  return dst;
}

/** Helm's MergeTables: like coalescing, but a `null` stays. */
export const mergeTables = (dst: Values, src: Values): Values => coalesceTables(dst, src, true);

const isDependencyName = (chart: HelmChart, key: string): boolean =>
  chart.dependencies.some((sub) => chartName(sub) === key);

/** The chart's defaults under `values` (changed in place). */
function coalesceChartValues(chart: HelmChart, values: Values, merge: boolean): void {
  const defaults = copyValues(chart.values);
  for (const [key, value] of Object.entries(defaults)) {
    if (!own(values, key)) {
      values[key] = value;
      continue;
    }
    const current = values[key];
    if (current === null && !merge) Reflect.deleteProperty(values, key);
    else if (isTable(current) && isTable(value)) {
      coalesceTables(current, value, merge || isDependencyName(chart, key));
    }
  }
}

/** The parent's `global` over the sub-chart's: parent scalars win, tables merge top-down. */
function coalesceGlobals(dest: Values, src: Values): void {
  const destGlobal = own(dest, 'global') ? dest.global : newValues();
  const srcGlobal = own(src, 'global') ? src.global : newValues();
  if (!isTable(destGlobal) || !isTable(srcGlobal)) return;
  for (const [key, value] of Object.entries(srcGlobal)) {
    if (isTable(value)) {
      const copy = copyValues(value);
      const current = destGlobal[key];
      if (!own(destGlobal, key)) destGlobal[key] = copy;
      else if (isTable(current)) destGlobal[key] = coalesceTables(copy, current, true);
    } else if (!isTable(destGlobal[key])) {
      destGlobal[key] = value;
    }
  }
  dest.global = destGlobal;
}

function coalesceDependencies(chart: HelmChart, values: Values, merge: boolean): void {
  for (const sub of chart.dependencies) {
    const name = chartName(sub);
    if (!own(values, name)) values[name] = newValues();
    const scoped = values[name];
    if (!isTable(scoped)) {
      throw new HelmError('InvalidValues', `type mismatch on ${name}: ${String(scoped)}`);
    }
    coalesceGlobals(scoped, values);
    coalesceInto(sub, scoped, merge);
  }
}

function coalesceInto(chart: HelmChart, values: Values, merge: boolean): Values {
  coalesceChartValues(chart, values, merge);
  coalesceDependencies(chart, values, merge);
  return values;
}

/** Helm's CoalesceValues: the chart tree's defaults under a copy of the user's values. */
export const coalesceValues = (chart: HelmChart, values: Values): Values =>
  coalesceInto(chart, copyValues(values), false);

/** Helm's MergeValues: as coalescing, but nulls are kept. */
export const mergeChartValues = (chart: HelmChart, values: Values): Values =>
  coalesceInto(chart, copyValues(values), true);

/** The table at a dotted path, or undefined when any step is not a table. */
export function tableAt(values: Values, path: string): Values | undefined {
  let current: unknown = values;
  for (const part of path.split('.')) {
    if (!isTable(current) || !own(current, part)) return undefined;
    current = current[part];
  }
  return isTable(current) ? current : undefined;
}

function valueAt(values: Values, path: string): { found: boolean; value: unknown } {
  const parts = path.split('.');
  const last = parts.pop() ?? '';
  const table = parts.length === 0 ? values : tableAt(values, parts.join('.'));
  if (table === undefined || !own(table, last)) return { found: false, value: undefined };
  return { found: true, value: table[last] };
}

function processTags(dependencies: readonly ChartDependency[], values: Values): void {
  const tags = tableAt(values, 'tags');
  if (tags === undefined) return;
  for (const dependency of dependencies) {
    let hasTrue = false;
    let hasFalse = false;
    for (const tag of dependency.tags) {
      const value = own(tags, tag) ? tags[tag] : undefined;
      if (value === true) hasTrue = true;
      else if (value === false) hasFalse = true;
    }
    dependency.enabled = hasTrue || !hasFalse;
  }
}

function processConditions(
  dependencies: readonly ChartDependency[],
  values: Values,
  path: string,
): void {
  for (const dependency of dependencies) {
    for (const condition of dependency.condition.trim().split(',')) {
      if (condition === '') continue;
      const { found, value } = valueAt(values, path + condition);
      if (found && typeof value === 'boolean') {
        dependency.enabled = value;
        break;
      }
    }
  }
}

function withAlias(chart: HelmChart, alias: string): HelmChart {
  const copy = cloneChart(chart);
  copy.metadata.name = alias;
  return copy;
}

/** The sub-chart a dependency names (a renamed copy when aliased), as getAliasDependency. */
function aliasDependency(
  charts: readonly HelmChart[],
  dependency: ChartDependency,
): HelmChart | undefined {
  const found = charts.find(
    (chart) =>
      chartName(chart) === dependency.name &&
      isCompatibleRange(dependency.version, chart.metadata.version),
  );
  if (found === undefined) return undefined;
  return dependency.alias === '' ? found : withAlias(found, dependency.alias);
}

/** Every Chart.yaml dependency must be in charts/, as `helm template` checks first. */
export function checkDependencies(chart: HelmChart): void {
  const missing = chart.metadata.dependencies
    .filter((dependency) => !chart.dependencies.some((sub) => chartName(sub) === dependency.name))
    .map((dependency) => dependency.name);
  if (missing.length > 0) {
    throw new HelmError(
      'InvalidChart',
      "an error occurred while checking for chart dependencies. You may need to run 'helm dependency build' to fetch missing dependencies: " +
        `found in Chart.yaml, but missing in charts/ directory: ${missing.join(', ')}`,
    );
  }
}

function reparent(chart: HelmChart, parent: HelmChart): HelmChart {
  chart.parent = parent;
  return chart;
}

function processEnabled(chart: HelmChart, values: Values, path: string): void {
  const declared = chart.metadata.dependencies;
  if (declared.length === 0) return;
  // Sub-charts in charts/ that Chart.yaml does not declare stay, always enabled.
  const kept = chart.dependencies.filter(
    (sub) =>
      !declared.some(
        (d) => chartName(sub) === d.name && isCompatibleRange(d.version, sub.metadata.version),
      ),
  );
  for (const dependency of declared) {
    const sub = aliasDependency(chart.dependencies, dependency);
    if (sub !== undefined) kept.push(sub);
    if (dependency.alias !== '') dependency.name = dependency.alias;
  }
  chart.dependencies = kept.map((sub) => reparent(sub, chart));
  for (const dependency of declared) dependency.enabled = true;
  const coalesced = coalesceValues(chart, values);
  processTags(declared, coalesced);
  processConditions(declared, coalesced, path);
  const disabled = new Set(declared.filter((d) => !d.enabled).map((d) => d.name));
  chart.dependencies = chart.dependencies.filter((sub) => !disabled.has(chartName(sub)));
  chart.metadata.dependencies = declared.filter((d) => !disabled.has(d.name));
  for (const sub of chart.dependencies) {
    processEnabled(sub, coalesced, `${path}${chartName(sub)}.`);
  }
}

/** `parent.path` as nested maps, `.` as the table itself. */
function pathToMap(path: string, table: Values): Values {
  if (path === '.') return table;
  const root = newValues();
  let current = root;
  const parts = path.split('.').filter((part) => part !== '');
  parts.forEach((part, i) => {
    const next = i === parts.length - 1 ? table : newValues();
    current[part] = next;
    current = next;
  });
  return root;
}

function processImportValues(chart: HelmChart): void {
  for (const sub of chart.dependencies) processImportValues(sub);
  if (chart.metadata.dependencies.length === 0) return;
  const merged = mergeChartValues(chart, newValues());
  let imported = newValues();
  for (const dependency of chart.metadata.dependencies) {
    const rewritten: unknown[] = [];
    for (const entry of dependency.importValues) {
      if (isTable(entry)) {
        const child = String(entry.child);
        const parent = String(entry.parent);
        rewritten.push({ child, parent });
        const table = tableAt(merged, `${dependency.name}.${child}`);
        if (table !== undefined)
          imported = mergeTables(imported, pathToMap(parent, copyValues(table)));
      } else if (typeof entry === 'string') {
        const child = `exports.${entry}`;
        rewritten.push({ child, parent: '.' });
        const table = tableAt(merged, `${dependency.name}.${child}`);
        if (table !== undefined) imported = mergeTables(imported, copyValues(table));
      }
    }
    dependency.importValues = rewritten;
  }
  chart.values = mergeTables(copyValues(merged), imported);
}

/** Deep copy of a chart tree whose metadata and values processing may change. */
export function cloneChart(chart: HelmChart, parent?: HelmChart): HelmChart {
  const copy: HelmChart = {
    ...chart,
    metadata: {
      ...chart.metadata,
      dependencies: chart.metadata.dependencies.map((d) => ({
        ...d,
        tags: [...d.tags],
        importValues: [...d.importValues],
      })),
    },
    values: copyValues(chart.values),
    dependencies: [],
    parent,
  };
  copy.dependencies = chart.dependencies.map((sub) => cloneChart(sub, copy));
  return copy;
}

/**
 * Helm's ProcessDependenciesWithMerge on a copy of the chart: disabled sub-charts removed,
 * aliased ones renamed, imported values folded into the parents' defaults.
 */
export function processDependencies(chart: HelmChart, values: Values): HelmChart {
  const copy = cloneChart(chart);
  processEnabled(copy, values, '');
  processImportValues(copy);
  return copy;
}

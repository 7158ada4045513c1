/**
 * kustomize's built-in plugins configured through `generators:` and `transformers:`: each
 * config's fields read as kustomize's plugin reads them, then handed to the same generator and
 * transformer functions the kustomization's own fields use. A plugin's `fieldSpecs` are the
 * only fields it touches (kustomize applies no defaults to them), except where kustomize's
 * transformer hardcodes a field (metadata.namespace, RoleBinding subjects, image containers).
 */
import { annotateOrigin, recordPluginTransformer, sourceOf } from '../build-metadata.js';
import { KustomizeError } from '../errors.js';
import { applyFieldSpecs, fieldSpec, walkPath, type FieldSpec } from '../field-specs.js';
import { parseSelector, ResourceMatcher } from '../selector.js';
import { absorbGenerated, generate, parseGeneratorOptions } from '../generators.js';
import { nameHash } from '../hash.js';
import { FieldReader, stringMapOf, type Kustomization } from '../kustomization.js';
import { legacyJsonPatches, legacyStrategicPatches, patchesOf } from '../patch/fields.js';
import { applyPatches } from '../patch/patches.js';
import type { Resource } from '../resource.js';
import type { Level } from '../target.js';
import { overrideImage, parseImages, setImages } from '../transformers/images.js';
import { setPairs } from '../transformers/labels.js';
import { unprefixedKinds } from '../transformers/names.js';
import { setNamespace, type RoleBindingSubjectMode } from '../transformers/namespace.js';
import { applyReplacements, replacementsOf } from '../transformers/replacements.js';
import { describe, isMap, newMap, type Value, type ValueMap } from '../value.js';
import { emitDocument } from '../yaml/emit.js';
import { loadPluginConfigs, pluginId } from './load.js';

const generatorKinds = new Set([
  'ConfigMapGenerator',
  'SecretGenerator',
  'HelmChartInflationGenerator',
]);

type Transform = (config: ValueMap, resource: Resource, level: Level) => void;

const transformers: Readonly<Record<string, Transform>> = {
  PatchTransformer: patchTransformer,
  PatchStrategicMergeTransformer: strategicMergeTransformer,
  PatchJson6902Transformer: json6902Transformer,
  LabelTransformer: (config, resource, level) => {
    pairsTransformer('labels', config, resource, level);
  },
  AnnotationsTransformer: (config, resource, level) => {
    pairsTransformer('annotations', config, resource, level);
  },
  NamespaceTransformer: namespaceTransformer,
  PrefixSuffixTransformer: (config, resource, level) => {
    prefixSuffixTransformer(
      stringField(config, 'prefix'),
      stringField(config, 'suffix'),
      resource,
      level,
    );
  },
  PrefixTransformer: (config, resource, level) => {
    prefixSuffixTransformer(stringField(config, 'prefix'), '', resource, level);
  },
  SuffixTransformer: (config, resource, level) => {
    prefixSuffixTransformer('', stringField(config, 'suffix'), resource, level);
  },
  ImageTagTransformer: imageTagTransformer,
  ReplicaCountTransformer: replicaCountTransformer,
  ReplacementTransformer: replacementTransformer,
  HashTransformer: hashTransformer,
  ValueAddTransformer: valueAddTransformer,
};

/** The level's `generators:` entries, after its own configMapGenerator and secretGenerator. */
export function runPluginGenerators(level: Level): void {
  const entries = level.fields.strings('generators');
  if (entries.length === 0) return;
  for (const config of loadPluginConfigs(entries, level)) {
    const kind = checkBuiltin(config, 'generator');
    if (kind !== 'ConfigMapGenerator' && kind !== 'SecretGenerator') {
      throw new KustomizeError(
        `${config.origin}: loading generator plugins: failed to load generator: plugin ${pluginId(config)} not a generator`,
      );
    }
    runGenerator(kind, config, level);
  }
}

/** The level's `transformers:` entries, after all of its own built-in transformers. */
export function runPluginTransformers(level: Level): void {
  const entries = level.fields.strings('transformers');
  if (entries.length === 0) return;
  // kustomize configures every transformer before it runs the first.
  const configs = loadPluginConfigs(entries, level).map((config) => {
    const kind = checkBuiltin(config, 'transformer');
    const transform = transformers[kind];
    if (transform === undefined) {
      throw new KustomizeError(`${config.origin}: plugin ${pluginId(config)} not a transformer`);
    }
    return { config, transform };
  });
  for (const { config, transform } of configs) {
    transform(config.object, config, level);
    recordPluginTransformer(level.index.all(), level.session, pluginOriginText(config, level));
  }
}

/** The kind of a built-in plugin config; any other plugin is refused as kustomize refuses it. */
function checkBuiltin(config: Resource, role: 'generator' | 'transformer'): string {
  const prefix =
    role === 'generator' ? 'loading generator plugins: failed to load generator: ' : '';
  if (config.group !== '' || config.version !== 'builtin') {
    throw new KustomizeError(
      `${config.origin}: ${prefix}external plugins disabled; unable to load external plugin '${config.kind}'`,
    );
  }
  const kind = config.kind;
  if (!generatorKinds.has(kind) && !(kind in transformers)) {
    throw new KustomizeError(
      `${config.origin}: ${prefix}unable to load builtin ${kind}.builtin.[noGrp]`,
    );
  }
  if (kind === 'HelmChartInflationGenerator') {
    throw new KustomizeError(
      `${config.origin}: ${prefix}plugin ${pluginId(config)} fails configuration: must specify --enable-helm`,
    );
  }
  return kind;
}

/** A ConfigMapGenerator or SecretGenerator config: its own fields, metadata name/namespace. */
function runGenerator(
  plugin: 'ConfigMapGenerator' | 'SecretGenerator',
  config: Resource,
  level: Level,
): void {
  const { root, loader, index, session } = level;
  const args = newMap();
  const own = config.object;
  for (const key of ['behavior', 'literals', 'files', 'envs', 'env', 'options', 'type']) {
    const value = own[key];
    if (value !== undefined) args[key] = value;
  }
  args.name = nonEmpty(own.name) ?? config.name;
  const namespace = nonEmpty(own.namespace) ?? nonEmpty(config.namespace);
  if (namespace !== undefined) args.namespace = namespace;
  const kind = plugin === 'ConfigMapGenerator' ? 'ConfigMap' : 'Secret';
  // Plugin generators get no generatorOptions of the level, as in kustomize.
  const options = parseGeneratorOptions(undefined, config.origin);
  const context = { loader, root, origin: config.origin, options };
  const { resource, behavior } = generate(kind, args, context);
  if (session.originAnnotations && behavior === 'create') {
    annotateOrigin(resource, pluginOriginText(config, level));
  }
  absorbGenerated(index, resource, behavior, config.origin);
}

/** Origin of a plugin-made resource: the config's file and the config's own id. */
function pluginOriginText(config: Resource, level: Level): string {
  const { path, repo, ref } = sourceOf(level.session, config.origin);
  const by = newMap();
  by.apiVersion = config.apiVersion;
  by.kind = config.kind;
  by.name = config.name;
  if (config.namespace !== '') by.namespace = config.namespace;
  // Fields in kustomize's order (the emitter would sort them).
  const lines = [];
  if (repo !== undefined) lines.push(emitDocument({ repo }));
  if (ref !== undefined && ref !== '') lines.push(emitDocument({ ref }));
  lines.push(emitDocument({ configuredIn: path }));
  const byText = emitDocument({ configuredBy: by });
  lines.push(byText.replace(/^( {2}\w+: .*\n)+/m, (block) => orderIdFields(block)));
  return lines.join('');
}

/** apiVersion, kind, name, namespace: the order kustomize prints a resource identifier in. */
function orderIdFields(block: string): string {
  const order = ['apiVersion', 'kind', 'name', 'namespace'];
  const rows = block.split('\n').filter((row) => row !== '');
  const key = (row: string): number => order.indexOf(row.trim().split(':')[0] ?? '');
  return `${rows.sort((a, b) => key(a) - key(b)).join('\n')}\n`;
}

function nonEmpty(value: Value | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function stringField(config: ValueMap, key: string): string {
  const value = config[key];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') {
    throw new KustomizeError(`plugin field "${key}" must be a string, not ${describe(value)}`);
  }
  return value;
}

/** A plugin's `fieldSpecs`: `{group, version, kind, path, create}` each. */
function fieldSpecsOf(config: Resource, required: boolean): FieldSpec[] {
  const value = config.object.fieldSpecs;
  if (value === undefined || value === null) {
    if (required) {
      throw new KustomizeError(
        `${config.origin}: plugin ${pluginId(config)} fails configuration: fieldSpecs is not expected to be nil`,
      );
    }
    return [];
  }
  if (!Array.isArray(value)) {
    throw new KustomizeError(`${config.origin}: ${pluginId(config)}: fieldSpecs must be a list`);
  }
  return value.map((item) => {
    if (!isMap(item) || typeof item.path !== 'string') {
      throw new KustomizeError(
        `${config.origin}: ${pluginId(config)}: every fieldSpec needs a path`,
      );
    }
    const options: { kind?: string; group?: string; version?: string; create?: boolean } = {
      create: item.create === true,
    };
    for (const key of ['kind', 'group', 'version'] as const) {
      const field = item[key];
      if (typeof field === 'string' && field !== '') options[key] = field;
    }
    return fieldSpec(item.path, options);
  });
}

/** The plugin's fields read as if they were a kustomization's, for the patch readers. */
function asKustomization(config: Resource, fields: ValueMap): FieldReader {
  const kustomization: Kustomization = { kind: 'Kustomization', fields, path: config.origin };
  return new FieldReader(kustomization);
}

/** Files a plugin names are relative to the kustomization listing it, as in kustomize. */
function filesOf(config: Resource, level: Level): Level {
  return { ...level, origin: config.origin };
}

function patchTransformer(config: ValueMap, resource: Resource, level: Level): void {
  const entry = newMap();
  for (const key of ['path', 'patch', 'target', 'options']) {
    const value = config[key];
    if (value !== undefined && value !== null) entry[key] = value;
  }
  const hasPath = typeof entry.path === 'string' && entry.path !== '';
  const hasPatch = typeof entry.patch === 'string' && entry.patch !== '';
  if (!hasPath && !hasPatch) {
    throw new KustomizeError(
      `${resource.origin}: plugin ${pluginId(resource)} fails configuration: must specify one of patch and path in`,
    );
  }
  if (hasPath && hasPatch) {
    throw new KustomizeError(
      `${resource.origin}: plugin ${pluginId(resource)} fails configuration: patch and path can't be set at the same time`,
    );
  }
  const fields = newMap();
  fields.patches = [entry];
  applyPatches(level.index, patchesOf(asKustomization(resource, fields), filesOf(resource, level)));
}

function strategicMergeTransformer(config: ValueMap, resource: Resource, level: Level): void {
  const entries: Value[] = [];
  const paths = config.paths;
  if (Array.isArray(paths)) entries.push(...paths);
  if (typeof config.patches === 'string' && config.patches !== '') entries.push(config.patches);
  if (entries.length === 0) {
    throw new KustomizeError(
      `${resource.origin}: plugin ${pluginId(resource)} fails configuration: empty file path and empty patch content`,
    );
  }
  const fields = newMap();
  fields.patchesStrategicMerge = entries;
  const patches = legacyStrategicPatches(
    asKustomization(resource, fields),
    filesOf(resource, level),
  );
  applyPatches(level.index, patches);
}

function json6902Transformer(config: ValueMap, resource: Resource, level: Level): void {
  if (config.target === undefined || config.target === null) {
    throw new KustomizeError(
      `${resource.origin}: plugin ${pluginId(resource)} fails configuration: must specify a target for patch`,
    );
  }
  const hasPath = typeof config.path === 'string' && config.path !== '';
  const hasOp = typeof config.jsonOp === 'string' && config.jsonOp !== '';
  if (hasPath === hasOp) {
    const problem = hasPath
      ? 'must specify a file path or jsonOp, not both'
      : 'empty file path and empty jsonOp';
    throw new KustomizeError(
      `${resource.origin}: plugin ${pluginId(resource)} fails configuration: ${problem}`,
    );
  }
  const entry = newMap();
  entry.target = config.target;
  if (hasPath) entry.path = config.path as string;
  else entry.patch = config.jsonOp as string;
  const fields = newMap();
  fields.patchesJson6902 = [entry];
  applyPatches(
    level.index,
    legacyJsonPatches(asKustomization(resource, fields), filesOf(resource, level)),
  );
}

function replacementTransformer(config: ValueMap, resource: Resource, level: Level): void {
  const fields = newMap();
  fields.replacements = config.replacements ?? null;
  const replacements = replacementsOf(asKustomization(resource, fields), filesOf(resource, level));
  applyReplacements(level.index.all(), replacements);
}

function pairsTransformer(
  field: 'labels' | 'annotations',
  config: ValueMap,
  resource: Resource,
  level: Level,
): void {
  const value = config[field];
  const pairs =
    value === undefined || value === null
      ? {}
      : stringMapOf(value, `${resource.origin}: ${pluginId(resource)}: ${field}`);
  setPairs(level.index.all(), pairs, fieldSpecsOf(resource, false));
}

const subjectModes: Readonly<Record<string, RoleBindingSubjectMode>> = {
  '': 'defaultOnly',
  defaultOnly: 'defaultOnly',
  allServiceAccounts: 'allServiceAccounts',
  none: 'none',
};

function namespaceTransformer(config: ValueMap, resource: Resource, level: Level): void {
  const namespace = resource.namespace;
  const mode = subjectModes[stringField(config, 'setRoleBindingSubjects')];
  if (mode === undefined) {
    throw new KustomizeError(
      `${resource.origin}: plugin ${pluginId(resource)} fails configuration: invalid value for setRoleBindingSubjects`,
    );
  }
  if (namespace === '') return;
  setNamespace(level.index.all(), namespace, {
    specs: fieldSpecsOf(resource, false),
    unsetOnly: config.unsetOnly === true,
    roleBindingSubjects: mode,
  });
  level.index.rekeyAll('namespace');
}

function prefixSuffixTransformer(
  prefix: string,
  suffix: string,
  resource: Resource,
  level: Level,
): void {
  const specs = fieldSpecsOf(resource, true);
  for (const target of level.index.all()) {
    if (unprefixedKinds.has(target.kind)) continue;
    for (const spec of specs) {
      if (spec.path.join('/') === 'metadata/name') {
        if (!matchesGvk(spec, target)) continue;
        target.rename(`${prefix}${target.name}${suffix}`);
        if (prefix !== '') target.prefixes.push(prefix);
        if (suffix !== '') target.suffixes.push(suffix);
        continue;
      }
      applyFieldSpecs(target, [spec], (parent, key) => {
        const value = parent[key];
        if (Array.isArray(value) || isMap(value)) {
          throw new KustomizeError(
            `${resource.origin}: ${pluginId(resource)}: field '${spec.path.join('/')}' is not a scalar`,
          );
        }
        const text = value === undefined || value === null ? '' : describe(value);
        parent[key] = `${prefix}${text}${suffix}`;
      });
    }
  }
  level.index.rekeyAll('prefix/suffix');
}

function matchesGvk(spec: FieldSpec, resource: Resource): boolean {
  if (spec.kind !== undefined && spec.kind !== resource.kind) return false;
  if (spec.group !== undefined && spec.group !== resource.group) return false;
  return spec.version === undefined || spec.version === resource.version;
}

function imageTagTransformer(config: ValueMap, resource: Resource, level: Level): void {
  const imageTag = config.imageTag;
  if (!isMap(imageTag)) {
    throw new KustomizeError(
      `${resource.origin}: ${pluginId(resource)}: imageTag must be a mapping`,
    );
  }
  const overrides = parseImages([imageTag], resource.origin);
  setImages(level.index.all(), overrides);
  const specs = fieldSpecsOf(resource, false);
  for (const target of level.index.all()) {
    applyFieldSpecs(target, specs, (parent, key) => {
      const value = parent[key];
      if (typeof value === 'string') parent[key] = overrideImage(value, overrides);
    });
  }
}

function replicaCountTransformer(config: ValueMap, resource: Resource, level: Level): void {
  const replica = config.replica;
  const name = isMap(replica) ? replica.name : undefined;
  const count = isMap(replica) ? replica.count : undefined;
  if (typeof name !== 'string' || (typeof count !== 'number' && typeof count !== 'bigint')) {
    throw new KustomizeError(
      `${resource.origin}: ${pluginId(resource)}: replica needs a name and a count`,
    );
  }
  const specs = fieldSpecsOf(resource, false);
  let found = false;
  for (const spec of specs) {
    for (const target of level.index.all()) {
      if (!target.allIds().some((id) => id.name === name) || !matchesGvk(spec, target)) continue;
      found = true;
      applyFieldSpecs(target, [spec], (parent, key) => {
        parent[key] = count;
      });
    }
  }
  if (!found) {
    const gvks = specs.map((spec) => gvkText(spec)).join(' ');
    throw new KustomizeError(
      `${resource.origin}: resource with name ${name} does not match a config with the following GVK [${gvks}]`,
    );
  }
}

/** kustomize's `Gvk.String()`. */
function gvkText(spec: FieldSpec): string {
  const group = spec.group ?? '[noGrp]';
  const version = spec.version ?? '[noVer]';
  const kind = spec.kind ?? '[noKind]';
  return `${kind}.${version}.${group}`;
}

/**
 * Hash suffixes now. kustomize adds them again at the end of the build (a second suffix of
 * the same content hash), so the resource keeps needing one.
 */
function hashTransformer(_config: ValueMap, _resource: Resource, level: Level): void {
  for (const target of level.index.all()) {
    if (target.generator?.needsHash !== true) continue;
    const before = target.id();
    target.rename(`${target.name}-${nameHash(target)}`);
    level.index.reindex(target, before);
  }
}

/**
 * ValueAddTransformer: `value` set at each target's `fieldPath` (created if missing), or, with
 * `filePathPosition` N > 0, inserted as the Nth segment of the slash-separated path there.
 * metadata/namespace is set on every resource but Namespace objects, as kustomize does.
 */
function valueAddTransformer(config: ValueMap, resource: Resource, level: Level): void {
  const value = stringField(config, 'value');
  const targets = config.targets;
  if (targets === undefined || targets === null) return;
  if (!Array.isArray(targets)) {
    throw new KustomizeError(`${resource.origin}: ${pluginId(resource)}: targets must be a list`);
  }
  for (const target of targets) {
    if (!isMap(target)) {
      throw new KustomizeError(
        `${resource.origin}: ${pluginId(resource)}: targets must be mappings`,
      );
    }
    const selected =
      target.selector === undefined || target.selector === null
        ? [...level.index.all()]
        : level.index.select(new ResourceMatcher(parseSelector(target.selector, resource.origin)));
    const fieldPath = stringField(target, 'fieldPath');
    const position = target.filePathPosition;
    const at = typeof position === 'number' ? position : 0;
    if (fieldPath === 'metadata/namespace') {
      for (const each of selected) if (each.kind !== 'Namespace') each.moveToNamespace(value);
      level.index.rekeyAll('namespace');
      continue;
    }
    const path = fieldPath.split('/');
    for (const each of selected) {
      walkPath(each.object, path, true, (parent, key) => {
        const current = parent[key];
        if (Array.isArray(current) || isMap(current)) {
          throw new KustomizeError(
            `${resource.origin}: ${pluginId(resource)}: ${fieldPath} of ${each.kind} ${each.name} is not a scalar`,
          );
        }
        const text = current === undefined || current === null ? '' : describe(current);
        parent[key] = at > 0 ? insertPathPart(text, at - 1, value) : value;
      });
    }
  }
}

/** kustomize's `InsertPathPart`: `part` becomes segment `position` of a slash-separated path. */
function insertPathPart(path: string, position: number, part: string): string {
  if (part === '') return path;
  // A leading slash stays in front; positions count the segments after it.
  const absolute = path.startsWith('/');
  const rest = absolute ? path.slice(1) : path;
  const parts = rest === '' ? [] : rest.split('/');
  const at = Math.min(Math.max(position, 0), parts.length);
  const joined = [...parts.slice(0, at), part, ...parts.slice(at)].join('/');
  return absolute ? `/${joined}` : joined;
}

/**
 * `kustomize build`: load a kustomization and everything it includes, run generators and
 * transformers level by level, then add hash suffixes, fix name references and sort.
 *
 * Each level works on one ResourceIndex. Transformers are single passes over the resources they
 * concern (kind-indexed where they are kind-specific), and each patch is parsed and its target
 * compiled once, so the cost grows with resources + patches, not their product.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCrds, mergeCrdConfigs, type CrdConfig } from './crds.js';
import {
  annotateOrigin,
  buildMetadataOf,
  managedByLabel,
  managedByValue,
  originText,
  recordTransformers,
  rootCheckoutDir,
  sourceOf,
  type MetadataContext,
  type RemoteSource,
} from './build-metadata.js';
import { KustomizeError, RemoteResourcesOff } from './errors.js';
import { absorbGenerated, generate, parseGeneratorOptions } from './generators.js';
import { nameHash } from './hash.js';
import {
  FieldReader,
  kustomizationFileNames,
  parseKustomization,
  stringMapOf,
  type Kustomization,
} from './kustomization.js';
import { fieldSpec, type FieldSpec } from './field-specs.js';
import { FileLoader, type LoadRestrictor } from './loader.js';
import { fixNameReferences } from './name-references.js';
import {
  applyPatches,
  parseJson6902,
  parseOptions,
  parsePatchText,
  parseTarget,
  type Patch,
} from './patch/patches.js';
import { RemoteNeeded, type RemoteCheckouts } from './remote/checkout.js';
import { parseRepoSpec } from './remote/spec.js';
import { ResourceIndex } from './resource-index.js';
import { Resource, validateResource } from './resource.js';
import { parseSelector } from './selector.js';
import { sortResources, type SortOrder } from './sort.js';
import { setImages, parseImages } from './transformers/images.js';
import {
  commonAnnotationSpecs,
  commonLabelSpecs,
  labelEntrySpecs,
  setPairs,
} from './transformers/labels.js';
import { addPrefixSuffix, prefixIdentityFields } from './transformers/names.js';
import { setNamespace } from './transformers/namespace.js';
import {
  applyReplacements,
  parseReplacement,
  type Replacement,
} from './transformers/replacements.js';
import { parseReplicas, setReplicas } from './transformers/replicas.js';
import { parseVars, resolveVars, type Var } from './transformers/vars.js';
import { describe, isMap, type Value, type ValueMap } from './value.js';
import { emitDocuments } from './yaml/emit.js';
import { parseDocuments } from './yaml/parse.js';

export interface BuildOptions {
  /** `rootOnly` (the default) refuses files outside each kustomization's directory. */
  readonly loadRestrictor?: LoadRestrictor;
  /**
   * The top-level kustomization's text, used instead of a file in `directory` (which may then
   * have none). Lets a caller overlay fields without writing into a shared, read-only tree;
   * messages name it as `directory/kustomization.yaml`.
   */
  readonly kustomization?: string;
}

export interface BuildResult {
  /** The resources in output order. */
  readonly resources: readonly ValueMap[];
  /** The YAML stream `kustomize build` prints. */
  readonly yaml: string;
}

/**
 * Builds the kustomization in `directory`, like `kustomize build directory`. Remote resources
 * need a fetch, so only `buildAsync` (with `remote: true`) builds them; here they are an error.
 */
export function build(directory: string, options: BuildOptions = {}): BuildResult {
  return buildWith(directory, options, undefined);
}

/**
 * A build whose remote resources come from `remotes`: one not fetched yet throws RemoteNeeded,
 * so the caller can fetch it and build again.
 */
export function buildWith(
  directory: string,
  options: BuildOptions,
  remotes: RemoteCheckouts | undefined,
): BuildResult {
  const loader = new FileLoader(options.loadRestrictor ?? 'rootOnly');
  const root = resolve(directory);
  const top =
    options.kustomization === undefined
      ? readKustomizationIn(root)
      : kustomizationFromText(root, options.kustomization);
  const index = new ResourceIndex();
  const metadata = buildMetadataOf(top);
  const session: Session = {
    visiting: new Set(),
    root,
    originAnnotations: metadata.origins,
    transformerAnnotations: metadata.transformers,
    vars: [],
    remotes,
    remoteSource: undefined,
    crds: [],
  };
  accumulate(top, root, index, loader, session);
  finish(index, mergeCrdConfigs(session.crds));
  resolveVars(index.all(), session.vars);
  if (metadata.managedBy) {
    setPairs(index.all(), { [managedByLabel]: managedByValue }, [
      fieldSpec('metadata/labels', { create: true }),
    ]);
  }
  const order = sortOrderOf(top);
  const resources = sortResources(index.all(), order).map((resource) => resource.object);
  return { resources, yaml: emitDocuments(resources) };
}

/** State of one build shared by every level. */
interface Session extends MetadataContext {
  /** Kustomization roots being built, to detect cycles. */
  readonly visiting: Set<string>;
  readonly originAnnotations: boolean;
  /** `vars` of every level, resolved once the build is otherwise done. */
  readonly vars: Var[];
  /** Fetched remote kustomizations; undefined when remote resources are off. */
  readonly remotes: RemoteCheckouts | undefined;
  /** The remote checkout the level being built came from (origin annotations name it). */
  remoteSource: RemoteSource | undefined;
  /** What each level's `crds` files say, in the order levels were entered. */
  readonly crds: CrdConfig[];
}

function readKustomizationIn(directory: string): Kustomization {
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new KustomizeError(`'${directory}' is not a directory`);
  }
  const found = kustomizationFileNames.filter((name) => existsSync(join(directory, name)));
  const [name] = found;
  if (name === undefined) {
    throw new KustomizeError(
      `unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '${directory}'`,
    );
  }
  if (found.length > 1) {
    throw new KustomizeError(
      `found multiple kustomization files under: ${directory} (${found.join(', ')})`,
    );
  }
  const path = join(directory, name);
  return parseKustomization(new FileLoader('none').readFile(directory, path), path);
}

function kustomizationFromText(directory: string, text: string): Kustomization {
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new KustomizeError(`'${directory}' is not a directory`);
  }
  return parseKustomization(text, join(directory, 'kustomization.yaml'));
}

/** One kustomization level: resources, generators, components, transformers. */
function accumulate(
  kustomization: Kustomization,
  root: string,
  index: ResourceIndex,
  loader: FileLoader,
  session: Session,
): void {
  const { visiting } = session;
  if (visiting.has(root)) {
    throw new KustomizeError(`cycle detected: ${root} includes itself`);
  }
  visiting.add(root);
  const fields = new FieldReader(kustomization);
  const origin = kustomization.path;
  // A level's transformers know the custom kinds of its own crds and of those below it.
  const crdsFrom = session.crds.length;
  session.crds.push(loadCrds(fields.strings('crds'), root, loader, origin));

  for (const entry of [...fields.strings('resources'), ...fields.strings('bases')]) {
    loadResourceEntry(entry, root, index, loader, session, origin);
  }
  session.vars.push(...parseVars(fields.list('vars'), origin));
  runGenerators(kustomization, fields, root, index, loader, session);
  // Components run after this level's generators and before its transformers, as in kustomize.
  for (const entry of fields.strings('components')) {
    const remote = isRemote(entry, root) ? remoteRoot(entry, origin, session) : undefined;
    const componentRoot = remote?.root ?? loader.realPath(root, entry);
    if (!loader.isDirectory(componentRoot)) {
      throw new KustomizeError(`${origin}: component ${entry} must be a directory`);
    }
    const component = readKustomizationIn(componentRoot);
    if (component.kind !== 'Component') {
      throw new KustomizeError(
        `${component.path}: a component must have kind: Component (used from ${origin})`,
      );
    }
    inSource(session, remote?.source, () => {
      accumulate(component, componentRoot, index, loader, session);
    });
  }
  const crds = mergeCrdConfigs(session.crds.slice(crdsFrom));
  runTransformers(kustomization, fields, root, index, loader, session, crds);
  visiting.delete(root);
}

function loadResourceEntry(
  entry: string,
  root: string,
  index: ResourceIndex,
  loader: FileLoader,
  session: Session,
  origin: string,
): void {
  const file = remoteFile(entry, origin, session);
  if (file !== undefined) {
    for (const object of file) {
      const resource = new Resource(object, entry);
      if (session.originAnnotations) annotateOrigin(resource, originText(urlSource(entry)));
      index.add(resource);
    }
    return;
  }
  const remote = isRemote(entry, root) ? remoteRoot(entry, origin, session) : undefined;
  const path = remote?.root ?? loader.realPath(root, entry);
  if (remote !== undefined || loader.isDirectory(path)) {
    const sub = readKustomizationIn(path);
    if (sub.kind === 'Component') {
      throw new KustomizeError(`${sub.path}: a Component must be listed under components`);
    }
    const subIndex = new ResourceIndex();
    inSource(session, remote?.source, () => {
      accumulate(sub, path, subIndex, loader, session);
    });
    for (const resource of subIndex.all()) index.add(resource);
    return;
  }
  const text = loader.readFile(root, entry);
  for (const document of parseDocuments(text, path)) {
    for (const object of expandLists(document, path)) {
      validateResource(object, path);
      const resource = new Resource(object, path);
      if (session.originAnnotations) {
        annotateOrigin(resource, originText(sourceOf(session, path)));
      }
      index.add(resource);
    }
  }
}

/**
 * An http(s) resource URL kustomize reads as a file: it is fetched, and an answer that parses as
 * resources is used. Otherwise a URL that names a repository is one (undefined here); any other
 * fails with the HTTP status or the parse error.
 */
function remoteFile(entry: string, origin: string, session: Session): ValueMap[] | undefined {
  if (session.remotes === undefined || !/^https?:\/\//i.test(entry)) return undefined;
  const answer = session.remotes.answerOf(entry);
  if (answer === undefined) throw new RemoteNeeded({ kind: 'file', url: entry }, entry, origin);
  const repository = namesRepository(entry, origin);
  if (answer.status !== 200) {
    if (repository) return undefined;
    const why =
      answer.status === 0 ? (answer.error ?? 'no answer') : `status code ${answer.status}`;
    throw new KustomizeError(`${origin}: remote resource ${entry}: HTTP Error: ${why}`);
  }
  try {
    return parseDocuments(answer.body, entry).flatMap((document) =>
      expandLists(document, entry).map((object) => {
        validateResource(object, entry);
        return object;
      }),
    );
  } catch (error) {
    if (repository && error instanceof KustomizeError) return undefined;
    throw error;
  }
}

/**
 * What origin annotations say of a resource file read from a URL: kustomize reads the URL as a
 * repository address where it can (a root address gets `rootCheckoutDir`), else names it.
 */
function urlSource(url: string): { path: string; repo?: string; ref?: string } {
  try {
    const spec = parseRepoSpec(url, url);
    const path = spec.path === '' ? rootCheckoutDir : spec.path;
    return { path, repo: spec.cloneUrl, ref: spec.ref };
  } catch {
    return { path: url };
  }
}

function namesRepository(entry: string, origin: string): boolean {
  try {
    parseRepoSpec(entry, origin);
    return true;
  } catch {
    return false;
  }
}

/** The directory of a remote kustomization in its checkout, and what its origins say. */
function remoteRoot(
  entry: string,
  origin: string,
  session: Session,
): { root: string; source: RemoteSource } {
  const spec = parseRepoSpec(entry, origin);
  if (session.remotes === undefined) {
    throw new RemoteResourcesOff(origin, entry);
  }
  const checkout = session.remotes.directoryOf(spec);
  if (checkout === undefined) {
    throw new RemoteNeeded({ kind: 'repository', spec }, entry, origin);
  }
  const directory = join(checkout, spec.path);
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new KustomizeError(
      `${origin}: remote resource ${entry}: no directory '${spec.path}' in ${spec.cloneUrl}`,
    );
  }
  return {
    root: realpathSync(directory),
    source: {
      checkout: realpathSync(checkout),
      repo: spec.cloneUrl,
      ref: spec.ref,
      base: spec.path === '' ? rootCheckoutDir : '',
    },
  };
}

/** Builds a level with origin annotations naming the remote source it came from, if any. */
function inSource(session: Session, source: RemoteSource | undefined, level: () => void): void {
  const outer = session.remoteSource;
  session.remoteSource = source ?? outer;
  try {
    level();
  } finally {
    session.remoteSource = outer;
  }
}

/**
 * Whether kustomize would fetch an entry: a URL with a scheme (or go-getter's `git::`), or, when
 * nothing of that name exists locally, an address kustomize parses as a repository
 * (`github.com/org/repo`, `user@host:org/repo`).
 */
function isRemote(entry: string, root: string): boolean {
  if (/^(git::)?[a-z][a-z0-9+.-]*:\/\//i.test(entry)) return true;
  if (existsSync(resolve(root, entry))) return false;
  return namesRepository(entry, root);
}

/** A `kind: List` (or any `*List` with items) contributes its items. */
function expandLists(document: Value, origin: string): ValueMap[] {
  if (!isMap(document)) {
    throw new KustomizeError(`${origin}: a resource must be a YAML mapping`);
  }
  const kind = document.kind;
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(document.items)) {
    return document.items.flatMap((item) => expandLists(item, origin));
  }
  return [document];
}

function runGenerators(
  kustomization: Kustomization,
  fields: FieldReader,
  root: string,
  index: ResourceIndex,
  loader: FileLoader,
  session: Session,
): void {
  const origin = kustomization.path;
  const options = parseGeneratorOptions(kustomization.fields.generatorOptions, origin);
  const context = { loader, root, origin, options };
  const generators = [
    ['ConfigMap', 'configMapGenerator', 'ConfigMapGenerator'],
    ['Secret', 'secretGenerator', 'SecretGenerator'],
  ] as const;
  for (const [kind, field, plugin] of generators) {
    for (const args of fields.list(field)) {
      const { resource, behavior } = generate(kind, args, context);
      if (session.originAnnotations && behavior === 'create') {
        const { path: configuredIn, ...repository } = sourceOf(session, origin);
        annotateOrigin(resource, originText({ ...repository, configuredIn, configuredBy: plugin }));
      }
      absorbGenerated(index, resource, behavior, origin);
    }
  }
}

/** The built-in transformers in kustomize's order. */
function runTransformers(
  kustomization: Kustomization,
  fields: FieldReader,
  root: string,
  index: ResourceIndex,
  loader: FileLoader,
  session: Session,
  crds: CrdConfig,
): void {
  const origin = kustomization.path;
  const record = (kind: string, count: number) => {
    recordTransformers(index.all(), session, origin, kind, count);
  };
  const strategicPatches = legacyStrategicPatches(fields, root, loader, origin);
  applyPatches(index, strategicPatches);
  record('PatchStrategicMergeTransformer', Math.min(strategicPatches.length, 1));
  applyPatches(index, patchesOf(fields, root, loader, origin));
  record('PatchTransformer', fields.list('patches').length);

  const namespace = fields.string('namespace');
  if (namespace !== undefined && namespace !== '') {
    setNamespace(index.all(), namespace);
    index.rekeyAll('namespace');
    record('NamespaceTransformer', 1);
  }
  const prefix = fields.string('namePrefix') ?? '';
  const suffix = fields.string('nameSuffix') ?? '';
  if (prefix !== '' || suffix !== '') {
    addPrefixSuffix(index.all(), prefix, suffix);
    prefixIdentityFields(index.all(), prefix, crds.prefixSpecs);
    index.rekeyAll('prefix/suffix');
    record('PrefixTransformer', prefix === '' ? 0 : 1);
    record('SuffixTransformer', suffix === '' ? 0 : 1);
  }
  const commonLabels = fields.stringMap('commonLabels');
  const labels = fields.list('labels');
  setPairs(index.all(), commonLabels, [...commonLabelSpecs, ...crds.labelSpecs]);
  for (const entry of labels) applyLabelEntry(entry, index, origin, crds);
  // One transformer per labels entry plus the commonLabels one, unless there are neither.
  const anyLabels = labels.length > 0 || Object.keys(commonLabels).length > 0;
  record('LabelTransformer', anyLabels ? labels.length + 1 : 0);
  const commonAnnotations = fields.stringMap('commonAnnotations');
  setPairs(index.all(), commonAnnotations, [...commonAnnotationSpecs, ...crds.annotationSpecs]);
  record('AnnotationsTransformer', Math.min(Object.keys(commonAnnotations).length, 1));
  const jsonPatches = legacyJsonPatches(fields, root, loader, origin);
  applyPatches(index, jsonPatches);
  record('PatchJson6902Transformer', jsonPatches.length);
  const replicas = parseReplicas(fields.list('replicas'), origin);
  setReplicas(index.all(), replicas);
  record('ReplicaCountTransformer', replicas.length);
  const images = parseImages(fields.list('images'), origin);
  setImages(index.all(), images);
  record('ImageTagTransformer', images.length);
  const replacements = replacementsOf(fields, root, loader, origin);
  applyReplacements(index.all(), replacements);
  record('ReplacementTransformer', Math.min(replacements.length, 1));
}

/** Inline replacements, or `path:` entries naming a file with one or a list of them. */
function replacementsOf(
  fields: FieldReader,
  root: string,
  loader: FileLoader,
  origin: string,
): Replacement[] {
  return fields.list('replacements').flatMap((entry) => {
    if (entry.path === undefined) return [parseReplacement(entry, origin)];
    if (typeof entry.path !== 'string' || Object.keys(entry).length > 1) {
      throw new KustomizeError(`${origin}: a replacements entry is a path or source and targets`);
    }
    const file = join(root, entry.path);
    return parseDocuments(loader.readFile(root, entry.path), file).flatMap((document) =>
      Array.isArray(document)
        ? document.map((item) => parseReplacement(item, file))
        : [parseReplacement(document, file)],
    );
  });
}

function applyLabelEntry(
  entry: ValueMap,
  index: ResourceIndex,
  origin: string,
  crds: CrdConfig,
): void {
  for (const key of Object.keys(entry)) {
    if (!['pairs', 'includeSelectors', 'includeTemplates', 'fields'].includes(key)) {
      throw new KustomizeError(`${origin}: unknown field "${key}" in labels`);
    }
  }
  const pairs = entry.pairs == null ? {} : stringMapOf(entry.pairs, `${origin}: labels.pairs`);
  const includeSelectors = entry.includeSelectors === true;
  const specs = [
    ...labelEntrySpecs({ includeSelectors, includeTemplates: entry.includeTemplates === true }),
    ...(includeSelectors ? crds.labelSpecs : []),
  ];
  setPairs(index.all(), pairs, [...specs, ...customFieldSpecs(entry.fields, origin)]);
}

/** `labels[].fields`: extra field specs, `{path, kind, group, version, create}`. */
function customFieldSpecs(value: Value | undefined, origin: string): FieldSpec[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new KustomizeError(`${origin}: labels[].fields must be a list`);
  return value.map((item) => {
    if (!isMap(item) || typeof item.path !== 'string') {
      throw new KustomizeError(`${origin}: every labels[].fields entry needs a path`);
    }
    const options: { kind?: string; group?: string; version?: string; create?: boolean } = {
      create: item.create === true,
    };
    for (const key of ['kind', 'group', 'version'] as const) {
      const field = item[key];
      if (typeof field === 'string') options[key] = field;
    }
    return fieldSpec(item.path, options);
  });
}

function legacyStrategicPatches(
  fields: FieldReader,
  root: string,
  loader: FileLoader,
  origin: string,
): Patch[] {
  const value = fields.strings('patchesStrategicMerge');
  const noOptions = { allowNameChange: false, allowKindChange: false };
  return value.flatMap((entry) => {
    // An entry is a file path or, if it spans lines or looks like YAML, an inline patch.
    const inline = entry.includes('\n') || /^\s*(apiVersion|kind|metadata)\s*:/.test(entry);
    const text = inline ? entry : loader.readFile(root, entry);
    const where = inline ? `${origin}: patchesStrategicMerge` : join(root, entry);
    return parsePatchText(text, where, undefined, noOptions).map((patch) => {
      if (patch.type !== 'strategic') {
        throw new KustomizeError(`${where}: patchesStrategicMerge entries must be mappings`);
      }
      return { ...patch, exactVersion: true };
    });
  });
}

function patchesOf(fields: FieldReader, root: string, loader: FileLoader, origin: string): Patch[] {
  return fields.list('patches').flatMap((entry) => {
    for (const key of Object.keys(entry)) {
      if (!['path', 'patch', 'target', 'options'].includes(key)) {
        throw new KustomizeError(`${origin}: unknown field "${key}" in patches`);
      }
    }
    const hasPath = typeof entry.path === 'string' && entry.path !== '';
    const hasPatch = typeof entry.patch === 'string' && entry.patch !== '';
    if (hasPath === hasPatch) {
      throw new KustomizeError(`${origin}: each patch needs exactly one of path and patch`);
    }
    // kustomize trims inline patches (only these): a block scalar ending one loses its newline.
    const text = hasPath
      ? loader.readFile(root, entry.path as string)
      : (entry.patch as string).trim();
    const where = hasPath ? join(root, entry.path as string) : `${origin}: inline patch`;
    const target = parseTarget(entry.target, origin);
    return parsePatchText(text, where, target, parseOptions(entry.options, origin));
  });
}

function legacyJsonPatches(
  fields: FieldReader,
  root: string,
  loader: FileLoader,
  origin: string,
): Patch[] {
  return fields.list('patchesJson6902').map((entry) => {
    if (entry.target === undefined || entry.target === null) {
      throw new KustomizeError(`${origin}: patchesJson6902 entries need a target`);
    }
    const target = parseSelector(legacyTarget(entry.target), origin);
    const hasPath = typeof entry.path === 'string';
    const text = hasPath ? loader.readFile(root, entry.path as string) : entry.patch;
    if (typeof text !== 'string') {
      throw new KustomizeError(`${origin}: patchesJson6902 entries need a path or a patch`);
    }
    return parseJson6902(text, hasPath ? join(root, entry.path as string) : origin, target);
  });
}

/** Legacy targets name their resource literally; escape them for the regex selector. */
function legacyTarget(value: Value): ValueMap {
  if (!isMap(value)) throw new KustomizeError('patchesJson6902 target must be a mapping');
  const target: ValueMap = Object.create(null) as ValueMap;
  for (const key of Object.keys(value)) {
    const field = value[key];
    target[key] =
      typeof field === 'string' && key !== 'labelSelector' && key !== 'annotationSelector'
        ? field.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')
        : (field as Value);
  }
  return target;
}

/** The steps that run once, after every level: hash suffixes, then references. */
function finish(index: ResourceIndex, crds: CrdConfig): void {
  for (const resource of index.all()) {
    if (resource.generator?.needsHash !== true) continue;
    const before = resource.id();
    resource.rename(`${resource.name}-${nameHash(resource)}`);
    index.reindex(resource, before);
  }
  fixNameReferences(index, crds.references);
}

function sortOrderOf(kustomization: Kustomization): SortOrder {
  const where = `${kustomization.path}: sortOptions`;
  const options = kustomization.fields.sortOptions;
  if (options === undefined || options === null) return { order: 'legacy' };
  if (!isMap(options)) throw new KustomizeError(`${where} must be a mapping`);
  for (const key of Object.keys(options)) {
    if (key !== 'order' && key !== 'legacySortOptions') {
      throw new KustomizeError(`${where}: unknown field "${key}"`);
    }
  }
  const order = options.order ?? 'legacy';
  if (order === 'fifo') {
    if (options.legacySortOptions != null) {
      throw new KustomizeError(`${where}: legacySortOptions need order: legacy`);
    }
    return { order };
  }
  if (order !== 'legacy') throw new KustomizeError(`${where}: unknown order ${describe(order)}`);
  const legacy = options.legacySortOptions;
  if (legacy === undefined || legacy === null) return { order };
  if (!isMap(legacy)) throw new KustomizeError(`${where}.legacySortOptions must be a mapping`);
  return {
    order,
    orderFirst: kinds(legacy.orderFirst, where),
    orderLast: kinds(legacy.orderLast, where),
  };
}

function kinds(value: Value | undefined, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new KustomizeError(`${where}: orderFirst and orderLast must be lists of kinds`);
  }
  return value;
}

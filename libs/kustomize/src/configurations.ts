/**
 * The `configurations` field: files of kustomize's TransformerConfig that add field specs to
 * the built-in transformers of a level (and of the levels that include it). Each section is
 * merged into the defaults as kustomize merges field specs: a spec the defaults (or an earlier
 * file) already select on the same path is dropped, unless it differs in `create`, which is
 * kustomize's "conflicting fieldspecs" error. The sections `varReference` and `labels` are
 * refused until this engine reads its defaults from field specs.
 */
import { mergeCrdConfigs, type CrdConfig, type CrdReference } from './crds.js';
import { KustomizeError } from './errors.js';
import { fieldSpec, type FieldSpec } from './field-specs.js';
import type { FileLoader } from './loader.js';
import {
  commonAnnotationSpecs,
  commonLabelSpecs,
  templateLabelSpecs,
} from './transformers/labels.js';
import { isMap, type Value, type ValueMap } from './value.js';
import { parseMapping } from './yaml/parse.js';

/** Sections read into field specs, with kustomize's name for each in its merge errors. */
const specSections = {
  namePrefix: 'NamePrefix',
  nameSuffix: 'NameSuffix',
  commonLabels: 'CommonLabels',
  templateLabels: 'TemplateLabels',
  commonAnnotations: 'CommonAnnotations',
  images: 'Images',
  replicas: 'Replicas',
  namespace: 'NameSpace',
} as const;
type SpecSection = keyof typeof specSections;

/** Sections kustomize knows that this engine refuses, naming the section. */
const refusedSections = new Set(['varReference', 'labels']);

const nameSpec = fieldSpec('metadata/name');

/** kustomize's defaults for each section, against which custom specs are merged. */
const defaults: Readonly<Record<SpecSection, readonly FieldSpec[]>> = {
  namePrefix: [nameSpec],
  nameSuffix: [nameSpec],
  commonLabels: commonLabelSpecs,
  templateLabels: templateLabelSpecs,
  commonAnnotations: commonAnnotationSpecs,
  images: ['spec/containers[]/image', 'spec/initContainers[]/image']
    .flatMap((path) => [path, `spec/template/${path}`])
    .map((path) => fieldSpec(path, { create: true })),
  replicas: ['Deployment', 'ReplicationController', 'ReplicaSet', 'StatefulSet'].map((kind) =>
    fieldSpec('spec/replicas', { kind, create: true }),
  ),
  namespace: [
    fieldSpec('metadata/namespace', { create: true }),
    fieldSpec('metadata/name', { kind: 'Namespace', create: true }),
  ],
};

/** The specs each section adds to the defaults, and the name references it declares. */
type Sections = Record<SpecSection, FieldSpec[]>;

/** Reads a level's `configurations` files into the field specs they add. */
export function loadConfigurations(
  paths: readonly string[],
  root: string,
  loader: FileLoader,
  origin: string,
): CrdConfig {
  const sections: Sections = {
    namePrefix: [],
    nameSuffix: [],
    commonLabels: [],
    templateLabels: [],
    commonAnnotations: [],
    images: [],
    replicas: [],
    namespace: [],
  };
  const references: CrdReference[] = [];
  for (const path of paths) {
    const where = `${origin}: configurations: ${path}`;
    const document = parseMapping(loader.readFile(root, path), where, 'v2');
    readConfiguration(document, where, sections, references);
  }
  return {
    references,
    labelSpecs: sections.commonLabels,
    templateLabelSpecs: sections.templateLabels,
    annotationSpecs: sections.commonAnnotations,
    prefixSpecs: sections.namePrefix,
    suffixSpecs: sections.nameSuffix,
    imageSpecs: sections.images,
    replicaSpecs: sections.replicas,
    namespaceSpecs: sections.namespace,
  };
}

function readConfiguration(
  document: ValueMap,
  where: string,
  sections: Sections,
  references: CrdReference[],
): void {
  for (const key of Object.keys(document)) {
    const value = document[key] as Value;
    if (key === 'nameReference') {
      references.push(...nameReferencesOf(value, where));
      continue;
    }
    if (refusedSections.has(key)) {
      if (value === null || (Array.isArray(value) && value.length === 0)) continue;
      throw new KustomizeError(
        `${where}: configurations section "${key}" is not supported by tide's kustomize yet`,
      );
    }
    if (!(key in specSections)) {
      throw new KustomizeError(`${where}: json: unknown field "${key}"`);
    }
    const section = key as SpecSection;
    const merged = [...defaults[section], ...sections[section]];
    for (const spec of fieldSpecsOf(value, `${where}: ${key}`)) {
      if (mergeOne(merged, spec, specSections[section])) sections[section].push(spec);
    }
  }
}

/**
 * kustomize's FsSlice.MergeOne: true when the spec is new. A spec is already there when an
 * existing one with the same path is selected by the new one's group/version/kind.
 */
function mergeOne(existing: FieldSpec[], spec: FieldSpec, section: string): boolean {
  const same = existing.find((other) => sameText(other.path, spec.path) && selectedBy(other, spec));
  if (same === undefined) {
    existing.push(spec);
    return true;
  }
  if (same.create !== spec.create) {
    throw new KustomizeError(`failed to merge ${section} fieldSpec: conflicting fieldspecs`);
  }
  return false;
}

function sameText(a: readonly string[], b: readonly string[]): boolean {
  return a.join('/') === b.join('/');
}

function selectedBy(spec: FieldSpec, selector: FieldSpec): boolean {
  return (['group', 'version', 'kind'] as const).every(
    (key) => selector[key] === undefined || selector[key] === spec[key],
  );
}

const specKeys = new Set(['path', 'group', 'version', 'kind', 'create']);

function fieldSpecsOf(value: Value, where: string): FieldSpec[] {
  if (value === null) return [];
  if (!Array.isArray(value)) {
    throw new KustomizeError(`${where}: json: cannot unmarshal into a list of field specs`);
  }
  return value.map((item) => {
    if (!isMap(item)) throw new KustomizeError(`${where}: json: a field spec must be a map`);
    for (const key of Object.keys(item)) {
      if (!specKeys.has(key)) throw new KustomizeError(`${where}: json: unknown field "${key}"`);
    }
    const options: { kind?: string; group?: string; version?: string; create?: boolean } = {
      create: item.create === true,
    };
    for (const key of ['kind', 'group', 'version'] as const) {
      const field = item[key];
      if (typeof field === 'string' && field !== '') options[key] = field;
    }
    return fieldSpec(typeof item.path === 'string' ? item.path : '', options);
  });
}

/** `nameReference`: a referent's group/version/kind and the fields that name it. */
function nameReferencesOf(value: Value, where: string): CrdReference[] {
  if (value === null) return [];
  if (!Array.isArray(value)) {
    throw new KustomizeError(`${where}: nameReference: json: cannot unmarshal into a list`);
  }
  return value.flatMap((entry) => {
    if (!isMap(entry)) throw new KustomizeError(`${where}: nameReference: json: not a map`);
    for (const key of Object.keys(entry)) {
      if (!['group', 'version', 'kind', 'fieldSpecs'].includes(key)) {
        throw new KustomizeError(`${where}: json: unknown field "${key}"`);
      }
    }
    const referentKind = typeof entry.kind === 'string' ? entry.kind : '';
    const referent: { referentGroup?: string; referentVersion?: string } = {};
    if (typeof entry.group === 'string' && entry.group !== '') referent.referentGroup = entry.group;
    if (typeof entry.version === 'string' && entry.version !== '') {
      referent.referentVersion = entry.version;
    }
    const referrers = fieldSpecsOf(entry.fieldSpecs ?? null, `${where}: nameReference`);
    return referrers.map((referrer): CrdReference => ({
      referentKind,
      ...referent,
      referrer,
      path: referrer.path,
    }));
  });
}

/**
 * The transformer config of a level: its own and those of the levels it includes, merged as
 * kustomize's accumulator merges them (a spec already there is dropped, a different `create`
 * for the same spec is an error).
 */
export function mergeTransformerConfigs(configs: readonly CrdConfig[]): CrdConfig {
  const all = mergeCrdConfigs(configs);
  const merge = (section: SpecSection, specs: readonly FieldSpec[]): FieldSpec[] => {
    const existing = [...defaults[section]];
    return specs.filter((spec) => mergeOne(existing, spec, specSections[section]));
  };
  return {
    references: all.references,
    prefixSpecs: merge('namePrefix', all.prefixSpecs),
    suffixSpecs: merge('nameSuffix', all.suffixSpecs),
    labelSpecs: merge('commonLabels', all.labelSpecs),
    templateLabelSpecs: merge('templateLabels', all.templateLabelSpecs),
    annotationSpecs: merge('commonAnnotations', all.annotationSpecs),
    imageSpecs: merge('images', all.imageSpecs),
    replicaSpecs: merge('replicas', all.replicaSpecs),
    namespaceSpecs: merge('namespace', all.namespaceSpecs),
  };
}

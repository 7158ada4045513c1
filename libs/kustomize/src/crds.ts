/**
 * The `crds` field: files of OpenAPI definitions (name → `{Schema: …}`, as Go's openapi-gen
 * writes them) that tell kustomize about fields of custom kinds. Starting from each definition
 * that looks like a Kubernetes type (it has `apiVersion`, `kind` and `metadata`), properties are
 * followed through `$ref` only, as kustomize does, and their extensions become field specs:
 * `x-kubernetes-object-ref-kind` (+ `-api-version`, `-name-key`) a name reference,
 * `x-kubernetes-label-selector` a field commonLabels writes into, `x-kubernetes-annotation` one
 * commonAnnotations writes into, `x-kubernetes-identity` a field namePrefix prefixes.
 */
import { KustomizeError } from './errors.js';
import { fieldSpec, type FieldSpec } from './field-specs.js';
import type { FileLoader } from './loader.js';
import { isMap, newMap, type Value, type ValueMap } from './value.js';
import { parseDocuments } from './yaml/parse.js';

/** A field of a custom kind that names a resource of another kind. */
export interface CrdReference {
  readonly referentKind: string;
  /** When set, the referent's group must equal this (`configurations` nameReference). */
  readonly referentGroup?: string;
  /** When set, the referent's version must equal this (`x-kubernetes-object-ref-api-version`). */
  readonly referentVersion?: string;
  /** Which resources refer: a kind, group and version each matched when set. */
  readonly referrer: Pick<FieldSpec, 'kind' | 'group' | 'version'>;
  readonly path: readonly string[];
}

/**
 * The field specs a level adds to the built-in transformers' defaults, from its `crds` and
 * `configurations` files (kustomize's TransformerConfig of the level).
 */
export interface CrdConfig {
  readonly references: readonly CrdReference[];
  /** Fields commonLabels (and labels with includeSelectors) write into. */
  readonly labelSpecs: readonly FieldSpec[];
  /** Fields labels with includeTemplates write into. */
  readonly templateLabelSpecs: readonly FieldSpec[];
  readonly annotationSpecs: readonly FieldSpec[];
  /** Fields that namePrefix prefixes (`x-kubernetes-identity`, `configurations` namePrefix). */
  readonly prefixSpecs: readonly FieldSpec[];
  /** Fields that nameSuffix suffixes. */
  readonly suffixSpecs: readonly FieldSpec[];
  /** Fields holding an image that `images` rewrites. */
  readonly imageSpecs: readonly FieldSpec[];
  /** Fields `namespace` sets, beyond metadata.namespace and the references it keeps in step. */
  readonly namespaceSpecs: readonly FieldSpec[];
  /** Fields `replicas` sets, beyond spec.replicas of the built-in workloads. */
  readonly replicaSpecs: readonly FieldSpec[];
}

export function mergeCrdConfigs(configs: readonly CrdConfig[]): CrdConfig {
  return {
    references: configs.flatMap((config) => config.references),
    labelSpecs: configs.flatMap((config) => config.labelSpecs),
    templateLabelSpecs: configs.flatMap((config) => config.templateLabelSpecs),
    annotationSpecs: configs.flatMap((config) => config.annotationSpecs),
    prefixSpecs: configs.flatMap((config) => config.prefixSpecs),
    suffixSpecs: configs.flatMap((config) => config.suffixSpecs),
    imageSpecs: configs.flatMap((config) => config.imageSpecs),
    replicaSpecs: configs.flatMap((config) => config.replicaSpecs),
    namespaceSpecs: configs.flatMap((config) => config.namespaceSpecs),
  };
}

/** Reads the `crds` files of a kustomization. */
export function loadCrds(
  paths: readonly string[],
  root: string,
  loader: FileLoader,
  origin: string,
): CrdConfig {
  return mergeCrdConfigs(
    paths.map((path) => {
      const text = loader.readFile(root, path);
      const definitions = parseDefinitions(text, `${origin}: crds: ${path}`);
      return configFromDefinitions(definitions);
    }),
  );
}

/** A config being collected: its lists writable. */
type Mutable<T> = { [K in keyof T]: T[K] extends readonly (infer E)[] ? E[] : T[K] };

/** Definition name → its schema. */
type Definitions = ReadonlyMap<string, ValueMap>;

function parseDefinitions(text: string, where: string): Definitions {
  const [document] = parseDocuments(text, where);
  const fail = (): never => {
    throw new KustomizeError(`${where}: unable to parse open API definition`);
  };
  if (document === undefined || document === null) return new Map();
  if (!isMap(document)) return fail();
  const definitions = new Map<string, ValueMap>();
  for (const name of Object.keys(document)) {
    const definition = document[name] as Value;
    if (!isMap(definition)) return fail();
    // Go decodes the `Schema` field case-insensitively.
    const key = Object.keys(definition).find((field) => field.toLowerCase() === 'schema');
    const schema = key === undefined ? undefined : definition[key];
    definitions.set(name, isMap(schema) ? schema : newMap());
  }
  return definitions;
}

function configFromDefinitions(definitions: Definitions): CrdConfig {
  const config: Mutable<CrdConfig> = {
    references: [],
    labelSpecs: [],
    templateLabelSpecs: [],
    annotationSpecs: [],
    prefixSpecs: [],
    suffixSpecs: [],
    imageSpecs: [],
    replicaSpecs: [],
    namespaceSpecs: [],
  };
  for (const [name, schema] of definitions) {
    const properties = propertiesOf(schema);
    if (!['kind', 'apiVersion', 'metadata'].every((field) => field in properties)) continue;
    // The kind is the last dot-separated part of the definition's name.
    const kind = name.split('.').pop() ?? name;
    collect(definitions, name, [], kind, config, new Set());
  }
  return config;
}

function propertiesOf(schema: ValueMap): ValueMap {
  const properties = schema.properties;
  return isMap(properties) ? properties : newMap();
}

function extension(property: ValueMap, name: string): string | undefined {
  const key = Object.keys(property).find((field) => field.toLowerCase() === name);
  const value = key === undefined ? undefined : property[key];
  return typeof value === 'string' ? value : undefined;
}

function collect(
  definitions: Definitions,
  typeName: string,
  path: readonly string[],
  kind: string,
  config: Mutable<CrdConfig>,
  visiting: ReadonlySet<string>,
): void {
  const schema = definitions.get(typeName);
  if (schema === undefined || visiting.has(typeName)) return;
  const inside = new Set([...visiting, typeName]);
  const properties = propertiesOf(schema);
  for (const name of Object.keys(properties)) {
    const property = properties[name] as Value;
    if (!isMap(property)) continue;
    const fieldPath = [...path, name];
    const spec = () => fieldSpec(fieldPath.join('/'), { kind });
    if (extension(property, 'x-kubernetes-annotation') !== undefined) {
      config.annotationSpecs.push(spec());
    }
    if (extension(property, 'x-kubernetes-label-selector') !== undefined) {
      config.labelSpecs.push(spec());
    }
    if (extension(property, 'x-kubernetes-identity') !== undefined) {
      config.prefixSpecs.push(spec());
    }
    const referentKind = extension(property, 'x-kubernetes-object-ref-kind');
    const referentVersion = extension(property, 'x-kubernetes-object-ref-api-version');
    if (referentVersion !== undefined && referentKind !== undefined) {
      const nameKey = extension(property, 'x-kubernetes-object-ref-name-key') ?? 'name';
      config.references.push({
        referentKind,
        referentVersion,
        referrer: { kind },
        path: [...fieldPath, nameKey],
      });
    }
    const ref = property.$ref;
    if (typeof ref === 'string') collect(definitions, ref, fieldPath, kind, config, inside);
  }
}

/**
 * configMapGenerator and secretGenerator: build ConfigMaps and Secrets from literals, files and
 * env files, with generatorOptions, and merge or replace ones of the same name from bases.
 */
import { basename } from 'node:path';
import { KustomizeError } from './errors.js';
import { stringMapOf } from './kustomization.js';
import type { KustomizationFiles } from './loader.js';
import type { ResourceIndex } from './resource-index.js';
import { formatId, Resource, sameNamespace, type GeneratorBehavior } from './resource.js';
import { isMap, newMap, type Value, type ValueMap } from './value.js';

export interface GeneratorOptions {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly disableNameSuffixHash: boolean;
  readonly immutable: boolean;
}

export interface GeneratorContext extends KustomizationFiles {
  readonly options: GeneratorOptions;
}

const emptyOptions: GeneratorOptions = {
  labels: {},
  annotations: {},
  disableNameSuffixHash: false,
  immutable: false,
};

const generatorFields = new Set([
  'name',
  'namespace',
  'behavior',
  'literals',
  'files',
  'envs',
  'env',
  'options',
  'type',
  'kvSources',
]);

export function parseGeneratorOptions(value: Value | undefined, origin: string): GeneratorOptions {
  if (value === undefined || value === null) return emptyOptions;
  if (!isMap(value)) throw new KustomizeError(`${origin}: generatorOptions must be a mapping`);
  for (const key of Object.keys(value)) {
    if (!['labels', 'annotations', 'disableNameSuffixHash', 'immutable'].includes(key)) {
      throw new KustomizeError(`${origin}: unknown field "${key}" in generator options`);
    }
  }
  return {
    labels: value.labels == null ? {} : stringMapOf(value.labels, `${origin}: options.labels`),
    annotations:
      value.annotations == null
        ? {}
        : stringMapOf(value.annotations, `${origin}: options.annotations`),
    disableNameSuffixHash: value.disableNameSuffixHash === true,
    immutable: value.immutable === true,
  };
}

/** Per-generator options extend the kustomization's generatorOptions. */
function mergeOptions(
  base: GeneratorOptions,
  own: Value | undefined,
  origin: string,
): GeneratorOptions {
  if (own === undefined || own === null) return base;
  const parsed = parseGeneratorOptions(own, origin);
  return {
    labels: { ...base.labels, ...parsed.labels },
    annotations: { ...base.annotations, ...parsed.annotations },
    disableNameSuffixHash:
      base.disableNameSuffixHash || (isMap(own) && own.disableNameSuffixHash === true),
    immutable: base.immutable || (isMap(own) && own.immutable === true),
  };
}

export function generate(
  kind: 'ConfigMap' | 'Secret',
  args: ValueMap,
  context: GeneratorContext,
): { resource: Resource; behavior: GeneratorBehavior } {
  const where = `${context.origin}: ${kind === 'ConfigMap' ? 'configMapGenerator' : 'secretGenerator'}`;
  for (const key of Object.keys(args)) {
    if (!generatorFields.has(key) || key === 'kvSources') {
      throw new KustomizeError(`${where}: unknown field "${key}"`);
    }
  }
  const name = args.name;
  if (typeof name !== 'string' || name === '') throw new KustomizeError(`${where}: missing name`);
  const behavior = parseBehavior(args.behavior, where);
  const options = mergeOptions(context.options, args.options, where);
  const entries = collectEntries(args, context, `${where} ${name}`);

  const object = newMap();
  object.apiVersion = 'v1';
  object.kind = kind;
  const metadata = newMap();
  metadata.name = name;
  if (typeof args.namespace === 'string' && args.namespace !== '') {
    metadata.namespace = args.namespace;
  }
  if (Object.keys(options.labels).length > 0) metadata.labels = toMap(options.labels);
  if (Object.keys(options.annotations).length > 0) {
    metadata.annotations = toMap(options.annotations);
  }
  object.metadata = metadata;
  fillData(object, kind, entries);
  if (kind === 'Secret') {
    object.type = typeof args.type === 'string' && args.type !== '' ? args.type : 'Opaque';
  }
  if (options.immutable) object.immutable = true;
  const resource = new Resource(object, context.origin, {
    behavior,
    needsHash: !options.disableNameSuffixHash,
  });
  return { resource, behavior };
}

function parseBehavior(value: Value | undefined, where: string): GeneratorBehavior {
  if (value === undefined || value === null || value === '' || value === 'create') return 'create';
  if (value === 'merge' || value === 'replace') return value;
  throw new KustomizeError(`${where}: unknown behavior ${JSON.stringify(value)}`);
}

interface Entry {
  readonly key: string;
  readonly value: Buffer | string;
}

function collectEntries(args: ValueMap, context: GeneratorContext, where: string): Entry[] {
  const entries: Entry[] = [];
  // kustomize v5 does not validate key names (a key may even contain spaces): only duplicates.
  const add = (entry: Entry) => {
    if (entries.some((existing) => existing.key === entry.key)) {
      throw new KustomizeError(
        `${where}: cannot add key ${entry.key}, another key by that name already exists`,
      );
    }
    entries.push(entry);
  };
  for (const file of [...strings(args.envs, where), ...strings(args.env, where)]) {
    const text = context.loader.readFile(context.root, file);
    for (const entry of parseEnvFile(text)) add(entry);
  }
  for (const literal of strings(args.literals, where)) add(parseLiteral(literal, where));
  for (const source of strings(args.files, where)) {
    const [key, path] = splitFileSource(source, where);
    add({ key, value: context.loader.readBytes(context.root, path) });
  }
  return entries;
}

function strings(value: Value | undefined, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new KustomizeError(`${where}: expected a list of strings`);
  }
  return value;
}

function parseLiteral(source: string, where: string): Entry {
  const equals = source.indexOf('=');
  if (equals <= 0) {
    throw new KustomizeError(`${where}: invalid literal source ${source}, expected key=value`);
  }
  return { key: source.slice(0, equals), value: removeQuotes(source.slice(equals + 1)) };
}

function removeQuotes(text: string): string {
  if (text.length < 2 || !text.endsWith(text.charAt(0))) return text;
  if (text.startsWith('"') || text.startsWith("'")) return text.slice(1, -1);
  return text;
}

function splitFileSource(source: string, where: string): [string, string] {
  const equals = source.indexOf('=');
  if (equals < 0) return [basename(source), source];
  if (equals === 0 || equals === source.length - 1) {
    throw new KustomizeError(`${where}: invalid file source ${source}, expected [key=]path`);
  }
  return [source.slice(0, equals), source.slice(equals + 1)];
}

function parseEnvFile(text: string): Entry[] {
  const entries: Entry[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw) => {
    const line = raw.replace(/\r$/, '').replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const equals = line.indexOf('=');
    // As kustomize: a line without "=" is a key with an empty value, one without a key is skipped.
    if (equals < 0) entries.push({ key: line, value: '' });
    else if (equals > 0)
      entries.push({ key: line.slice(0, equals), value: line.slice(equals + 1) });
  });
  return entries;
}

function fillData(object: ValueMap, kind: 'ConfigMap' | 'Secret', entries: readonly Entry[]): void {
  const data = newMap();
  const binaryData = newMap();
  for (const { key, value } of entries) {
    if (kind === 'Secret') {
      data[key] = wrappedBase64(Buffer.from(value));
    } else if (typeof value === 'string' || isUtf8(value)) {
      data[key] = typeof value === 'string' ? value : value.toString('utf8');
    } else {
      binaryData[key] = value.toString('base64');
    }
  }
  // An empty ConfigMap has no data field; an empty Secret prints `data: {}` (as kustomize).
  if (Object.keys(data).length > 0 || kind === 'Secret') object.data = data;
  if (Object.keys(binaryData).length > 0) object.binaryData = binaryData;
}

/** Secret values as kubectl encodes them: base64 in lines of 70, each ending in a newline. */
function wrappedBase64(bytes: Buffer): string {
  const lineLength = 70;
  const encoded = bytes.toString('base64');
  if (encoded.length < lineLength) return encoded;
  let wrapped = '';
  for (let i = 0; i < encoded.length; i += lineLength) {
    wrapped += `${encoded.slice(i, i + lineLength)}\n`;
  }
  return wrapped;
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function toMap(record: Readonly<Record<string, string>>): ValueMap {
  const map = newMap();
  for (const key of Object.keys(record)) map[key] = record[key] ?? '';
  return map;
}

/**
 * Adds a generated resource to the build as kustomize's appendReplaceOrMerge does: the
 * resources it meets are those that have or once had its kind, name and namespace (so a base's
 * prefixed ConfigMap is met by its original name). `create` must meet none, `merge` and
 * `replace` exactly one, which they fold the generated one into.
 */
export function absorbGenerated(
  index: ResourceIndex,
  generated: Resource,
  behavior: GeneratorBehavior,
  origin: string,
): void {
  const id = generated.id();
  const existing = index
    .ofKind(generated.kind)
    .filter((resource) =>
      resource
        .allIds()
        .some(
          (old) =>
            old.group === id.group &&
            old.version === id.version &&
            old.name === id.name &&
            sameNamespace(old.namespace, id.namespace),
        ),
    );
  const [target, ...others] = existing;
  if (others.length > 0) {
    throw new KustomizeError(
      `${origin}: found multiple objects that could accept ${behavior} of ${formatId(id)}: ` +
        existing.map((resource) => formatId(resource.id())).join(', '),
    );
  }
  if (behavior === 'create') {
    if (target !== undefined && target.previousIds.length > 0) {
      throw new KustomizeError(
        `${origin}: ${formatId(id)} exists (as ${formatId(target.id())}); behavior must be merge or replace`,
      );
    }
    index.add(generated);
    return;
  }
  if (target === undefined) {
    throw new KustomizeError(
      `${origin}: ${generated.kind} ${generated.name} does not exist in a base; cannot ${behavior} it`,
    );
  }
  const merged = foldGenerated(target, generated, behavior);
  target.object = merged;
  const needsHash =
    (target.generator?.needsHash ?? false) && (generated.generator?.needsHash ?? true);
  target.generator = { behavior, needsHash };
}

/**
 * The generated object takes the place of the base's: `merge` keeps the base's data keys the new
 * one lacks, `replace` does not; both keep the base's name and merge labels and annotations.
 */
function foldGenerated(
  target: Resource,
  generated: Resource,
  behavior: GeneratorBehavior,
): ValueMap {
  const object = newMap();
  for (const key of Object.keys(generated.object)) object[key] = generated.object[key] as Value;
  if (behavior === 'merge') {
    for (const field of ['data', 'binaryData'] as const) {
      const combined = combine(target.object[field], generated.object[field]);
      if (Object.keys(combined).length > 0 || field === 'data') object[field] = combined;
    }
  }
  const metadata = newMap();
  for (const key of Object.keys(generated.metadata)) {
    metadata[key] = generated.metadata[key] as Value;
  }
  for (const field of ['labels', 'annotations'] as const) {
    const combined = combine(target.metadata[field], generated.metadata[field]);
    if (Object.keys(combined).length > 0) metadata[field] = combined;
  }
  metadata.name = target.name;
  if (target.namespace !== '') metadata.namespace = target.namespace;
  object.metadata = metadata;
  return object;
}

function combine(old: Value | undefined, fresh: Value | undefined): ValueMap {
  const combined = newMap();
  if (isMap(old)) for (const key of Object.keys(old)) combined[key] = old[key] as Value;
  if (isMap(fresh)) for (const key of Object.keys(fresh)) combined[key] = fresh[key] as Value;
  return combined;
}

/**
 * `replacements`: copy a value from one field of a source resource into fields of target
 * resources. Field paths are dot-separated, with `[key=value]` to pick list elements by a field,
 * numbers to pick by position and `*` for every element; `options` split values by a delimiter
 * (`delimiter`, `index`) and create missing target fields (`create`). Entries are inline or
 * `path:` files holding one replacement or a list.
 */
import { join } from 'node:path';
import { KustomizeError } from '../errors.js';
import type { FieldReader } from '../kustomization.js';
import type { KustomizationFiles } from '../loader.js';
import { lookup, parseLabelSelector, selectorFields, type Selector } from '../selector.js';
import type { ResId, Resource } from '../resource.js';
import { deepCopy, describe, isMap, newMap, type Value, type ValueMap } from '../value.js';
import { parseDocuments } from '../yaml/parse.js';

/** The fields of a patch target, but compared literally: replacements take no regexes. */
type IdSelector = Selector;

interface ValueOptions {
  readonly delimiter?: string;
  readonly index: number;
  readonly create: boolean;
}

interface Target {
  readonly select: IdSelector;
  readonly reject: readonly IdSelector[];
  readonly fieldPaths: readonly string[];
  readonly options: ValueOptions;
}

export interface Replacement {
  readonly source: IdSelector & { readonly fieldPath: string; readonly options: ValueOptions };
  readonly targets: readonly Target[];
  readonly origin: string;
}

/** Inline replacements, or `path:` entries naming a file with one or a list of them. */
export function replacementsOf(fields: FieldReader, files: KustomizationFiles): Replacement[] {
  const { root, loader, origin } = files;
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

function parseReplacement(value: Value, origin: string): Replacement {
  if (!isMap(value)) throw new KustomizeError(`${origin}: a replacement must be a mapping`);
  checkKeys(value, ['source', 'targets'], `${origin}: replacement`);
  const source = value.source;
  if (!isMap(source)) throw new KustomizeError(`${origin}: replacement needs a source`);
  checkKeys(source, [...selectorFields, 'fieldPath', 'options'], `${origin}: replacement source`);
  const fieldPath = source.fieldPath ?? 'metadata.name';
  if (typeof fieldPath !== 'string') {
    throw new KustomizeError(`${origin}: replacement source fieldPath must be a string`);
  }
  const targets = value.targets;
  if (!Array.isArray(targets)) throw new KustomizeError(`${origin}: replacement needs targets`);
  return {
    source: {
      ...parseIdSelector(source, origin),
      fieldPath,
      options: parseValueOptions(source.options, origin),
    },
    targets: targets.map((target) => parseTarget(target, origin)),
    origin,
  };
}

function parseTarget(value: Value, origin: string): Target {
  if (!isMap(value)) throw new KustomizeError(`${origin}: a replacement target must be a mapping`);
  checkKeys(value, ['select', 'reject', 'fieldPaths', 'options'], `${origin}: replacement target`);
  if (!isMap(value.select)) throw new KustomizeError(`${origin}: replacement target needs select`);
  const reject = value.reject ?? [];
  if (!Array.isArray(reject)) throw new KustomizeError(`${origin}: reject must be a list`);
  const fieldPaths = value.fieldPaths ?? ['metadata.name'];
  if (!Array.isArray(fieldPaths) || !fieldPaths.every((path) => typeof path === 'string')) {
    throw new KustomizeError(`${origin}: fieldPaths must be a list of strings`);
  }
  return {
    select: parseIdSelector(value.select, origin),
    reject: reject.map((item) => parseIdSelector(item, origin)),
    fieldPaths,
    options: parseValueOptions(value.options, origin),
  };
}

function parseIdSelector(value: Value, origin: string): IdSelector {
  if (!isMap(value)) throw new KustomizeError(`${origin}: a selector must be a mapping`);
  const selector: Record<string, string> = {};
  for (const key of selectorFields) {
    const field = value[key];
    if (field === undefined || field === null) continue;
    if (typeof field !== 'string') {
      throw new KustomizeError(`${origin}: selector field ${key} must be a string`);
    }
    selector[key] = field;
  }
  return selector;
}

function parseValueOptions(value: Value | undefined, origin: string): ValueOptions {
  if (value === undefined || value === null) return { index: 0, create: false };
  if (!isMap(value)) throw new KustomizeError(`${origin}: replacement options must be a mapping`);
  checkKeys(value, ['delimiter', 'index', 'create'], `${origin}: replacement options`);
  const index = value.index ?? 0;
  if (typeof index !== 'number' || !Number.isInteger(index)) {
    throw new KustomizeError(`${origin}: replacement options.index must be an integer`);
  }
  const options: { delimiter?: string; index: number; create: boolean } = {
    index,
    create: value.create === true,
  };
  if (typeof value.delimiter === 'string' && value.delimiter !== '') {
    options.delimiter = value.delimiter;
  }
  return options;
}

function checkKeys(map: ValueMap, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(map)) {
    if (!allowed.includes(key)) throw new KustomizeError(`${where}: unknown field "${key}"`);
  }
}

/** Applies replacements in order to the resources of one kustomization level. */
export function applyReplacements(
  resources: readonly Resource[],
  replacements: readonly Replacement[],
): void {
  for (const replacement of replacements) {
    const value = sourceValue(resources, replacement);
    for (const target of replacement.targets) {
      for (const resource of resources) {
        if (!selects(target.select, resource)) continue;
        if (target.reject.some((reject) => selects(reject, resource))) continue;
        for (const fieldPath of target.fieldPaths) {
          setField(resource, parseFieldPath(fieldPath), value, target.options, fieldPath);
        }
      }
    }
  }
}

function sourceValue(resources: readonly Resource[], replacement: Replacement): Value {
  const { source, origin } = replacement;
  const matches = resources.filter((resource) => selects(source, resource));
  const [only] = matches;
  if (only === undefined) {
    throw new KustomizeError(
      `${origin}: replacement source ${describeSelector(source)} selects nothing`,
    );
  }
  if (matches.length > 1) {
    throw new KustomizeError(
      `${origin}: replacement source ${describeSelector(source)} selects more than one resource`,
    );
  }
  const found = getValues(only.object, parseFieldPath(source.fieldPath));
  const [value] = found;
  if (value === undefined) {
    throw new KustomizeError(
      `${origin}: field ${source.fieldPath} not found in replacement source ${describeSelector(source)}`,
    );
  }
  if (source.options.delimiter === undefined) return deepCopy(value);
  const parts = describe(value).split(source.options.delimiter);
  const part = parts[source.options.index];
  if (part === undefined) {
    throw new KustomizeError(`${origin}: options.index ${source.options.index} is out of bounds`);
  }
  return part;
}

function describeSelector(selector: IdSelector): string {
  return [selector.kind, selector.name].filter((part) => part !== undefined).join(' ') || '{}';
}

/** Exact-match selection on the current or any earlier id, plus label/annotation selectors. */
function selects(selector: IdSelector, resource: Resource): boolean {
  const idMatches = (id: ResId) =>
    (selector.group === undefined || selector.group === id.group) &&
    (selector.version === undefined || selector.version === id.version) &&
    (selector.kind === undefined || selector.kind === id.kind) &&
    (selector.name === undefined || selector.name === id.name) &&
    (selector.namespace === undefined || selector.namespace === id.namespace);
  if (!resource.allIds().some(idMatches)) return false;
  const labels = parseLabelSelector(selector.labelSelector);
  if (labels !== undefined && !labels(lookup(resource.labels()))) return false;
  const annotations = parseLabelSelector(selector.annotationSelector);
  if (annotations !== undefined && !annotations(lookup(resource.annotations()))) return false;
  return true;
}

type Segment =
  | { readonly type: 'key'; readonly key: string }
  | { readonly type: 'match'; readonly key: string; readonly value: string }
  | { readonly type: 'all' };

function parseFieldPath(path: string): Segment[] {
  const segments: Segment[] = [];
  for (const part of splitPath(path)) {
    const match = /^\[([^=\]]*)=(.*)\]$/.exec(part);
    if (match !== null) {
      segments.push({ type: 'match', key: match[1] ?? '', value: match[2] ?? '' });
    } else if (part === '*') {
      segments.push({ type: 'all' });
    } else {
      segments.push({ type: 'key', key: part });
    }
  }
  return segments;
}

/** Splits on dots outside brackets. */
function splitPath(path: string): string[] {
  const parts: string[] = [];
  let current = '';
  let depth = 0;
  for (const c of path) {
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (c === '.' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

function getValues(node: Value, segments: readonly Segment[]): Value[] {
  const [head, ...rest] = segments;
  if (head === undefined) return [node];
  return children(node, head).flatMap((child) => getValues(child, rest));
}

function children(node: Value, segment: Segment): Value[] {
  if (segment.type === 'all') {
    if (Array.isArray(node)) return node;
    return isMap(node) ? Object.values(node) : [];
  }
  if (segment.type === 'match') {
    return Array.isArray(node)
      ? node.filter((item) => isMap(item) && describe(item[segment.key]) === segment.value)
      : [];
  }
  if (Array.isArray(node) && /^\d+$/.test(segment.key)) {
    const item = node[Number(segment.key)];
    return item === undefined ? [] : [item];
  }
  if (!isMap(node) || !(segment.key in node)) return [];
  return [node[segment.key] as Value];
}

function setField(
  resource: Resource,
  segments: readonly Segment[],
  value: Value,
  options: ValueOptions,
  fieldPath: string,
): void {
  const set = setIn(resource.object, segments, asLabelValue(segments, value), options);
  if (!set) {
    throw new KustomizeError(
      `unable to find field "${fieldPath}" in replacement target ${resource.kind} ${resource.name}`,
    );
  }
}

/** Label and annotation values are strings: kustomize writes numbers and booleans as text. */
function asLabelValue(segments: readonly Segment[], value: Value): Value {
  const [parent, field] = segments.slice(-3, -1);
  const isMetadataMap =
    parent?.type === 'key' &&
    parent.key === 'metadata' &&
    field?.type === 'key' &&
    (field.key === 'labels' || field.key === 'annotations');
  if (!isMetadataMap || typeof value === 'object') return value;
  return describe(value);
}

/** Sets the value at every place the path reaches; false when it reaches none. */
function setIn(
  node: Value,
  segments: readonly Segment[],
  value: Value,
  options: ValueOptions,
): boolean {
  const [head, ...rest] = segments;
  if (head === undefined) return false;
  if (head.type === 'key' && !(Array.isArray(node) && /^\d+$/.test(head.key))) {
    if (!isMap(node)) return false;
    if (rest.length === 0) {
      if (!(head.key in node) && !options.create) return false;
      node[head.key] = withDelimiter(node[head.key], value, options);
      return true;
    }
    let child = node[head.key];
    if (child === undefined || child === null) {
      if (!options.create) return false;
      child = rest[0]?.type === 'match' ? [] : newMap();
      node[head.key] = child;
    }
    return setIn(child, rest, value, options);
  }
  if (!Array.isArray(node)) return false;
  let indexes: number[];
  if (head.type === 'all') indexes = node.map((_item, index) => index);
  else if (head.type === 'key') indexes = Number(head.key) < node.length ? [Number(head.key)] : [];
  else {
    indexes = node.flatMap((item, index) =>
      isMap(item) && describe(item[head.key]) === head.value ? [index] : [],
    );
    if (indexes.length === 0 && options.create) {
      const created = newMap();
      created[head.key] = head.value;
      node.push(created);
      indexes = [node.length - 1];
    }
  }
  let reached = false;
  for (const index of indexes) {
    if (rest.length === 0) {
      node[index] = withDelimiter(node[index], value, options);
      reached = true;
    } else if (setIn(node[index] ?? null, rest, value, options)) {
      reached = true;
    }
  }
  return reached;
}

/**
 * As kustomize: the target's scalar split by the delimiter (a created field is one empty
 * part), then the part at `index` replaced, or the value put first for a negative index and
 * last for one past the end.
 */
function withDelimiter(current: Value | undefined, value: Value, options: ValueOptions): Value {
  if (options.delimiter === undefined) return deepCopy(value);
  if (Array.isArray(current) || isMap(current)) {
    throw new KustomizeError('delimiter option can only be used with scalar nodes');
  }
  const parts = (current === undefined || current === null ? '' : describe(current)).split(
    options.delimiter,
  );
  const part = describe(value);
  if (options.index < 0) parts.unshift(part);
  else if (options.index >= parts.length) parts.push(part);
  else parts[options.index] = part;
  return parts.join(options.delimiter);
}

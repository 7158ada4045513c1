/**
 * Reads YAML streams into Values with go-yaml v3's typing, which is what kustomize uses: the
 * `yaml` package parses with the failsafe schema (every scalar a string), and plain scalars are
 * then typed here by v3's rules rather than the YAML 1.2 core schema.
 */
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document } from 'yaml';
import { KustomizeError } from '../errors.js';
import { newMap, type Value, type ValueMap } from '../value.js';
import { resolvePlain, resolvePlainV2 } from './scalars.js';

const tagPrefix = 'tag:yaml.org,2002:';

/**
 * How plain scalars are typed: `v3` like go-yaml v3 (resources, patches), `v2` like go-yaml v2,
 * which is how kustomize reads kustomization files (so `y`, `yes` and `on` are booleans there).
 */
export type Typing = 'v3' | 'v2';

interface Context {
  readonly document: Document.Parsed;
  readonly source: string;
  readonly typing: Typing;
  /** Where the text ends when it lacks a final newline; -1 otherwise. */
  readonly unterminatedEnd: number;
}

/** Every non-empty document of a YAML stream; `source` names the file in errors. */
export function parseDocuments(text: string, source: string, typing: Typing = 'v3'): Value[] {
  const documents = parseAllDocuments(text, {
    schema: 'failsafe',
    uniqueKeys: true,
    prettyErrors: false,
    strict: false,
  });
  const values: Value[] = [];
  for (const document of documents) {
    const error = document.errors[0];
    if (error !== undefined) {
      throw new KustomizeError(`${source}: invalid YAML: ${error.message}`);
    }
    if (document.contents === null) continue;
    const unterminatedEnd = text.endsWith('\n') ? -1 : text.length;
    const value = toValue(document.contents, { document, source, typing, unterminatedEnd });
    // Documents holding only comments or nothing decode to null; kustomize skips them.
    if (value !== null) values.push(value);
  }
  return values;
}

/** One YAML document that must be a mapping, e.g. a kustomization file. */
export function parseMapping(text: string, source: string, typing: Typing = 'v3'): ValueMap {
  const documents = parseDocuments(text, source, typing);
  if (documents.length === 0) return newMap();
  const [first] = documents;
  if (documents.length > 1 || typeof first !== 'object' || first === null || Array.isArray(first)) {
    throw new KustomizeError(`${source}: expected a single YAML mapping`);
  }
  return first;
}

function toValue(node: unknown, context: Context): Value {
  const { source } = context;
  if (isAlias(node)) return toValue(node.resolve(context.document), context);
  if (isScalar(node)) {
    let value = scalarValue(node.value, node.type, node.tag, context);
    if (node.type === 'BLOCK_FOLDED' && typeof value === 'string') value = foldLikeGoYaml(value);
    // go-yaml gives a block scalar that ends the text without a newline no final line break;
    // the yaml package adds one.
    const blockAtEnd =
      (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') &&
      node.range?.[1] === context.unterminatedEnd;
    if (blockAtEnd && typeof value === 'string' && value.endsWith('\n')) return value.slice(0, -1);
    return value;
  }
  if (isSeq(node)) return node.items.map((item) => toValue(item, context));
  if (isMap(node)) {
    const map = newMap();
    for (const pair of node.items) {
      const key = pair.key === null ? null : toValue(pair.key, context);
      const value = pair.value === null ? null : toValue(pair.value, context);
      if (key === '<<' && isScalar(pair.key) && pair.key.type === 'PLAIN') {
        mergeInto(map, value, source);
        continue;
      }
      map[keyText(key, source)] = value;
    }
    return map;
  }
  if (node === null || node === undefined) return null;
  throw new KustomizeError(`${source}: unsupported YAML node`);
}

/**
 * go-yaml keeps one more line break than the YAML spec (and the yaml package) where a folded
 * scalar goes from a normal line to a more-indented one.
 */
function foldLikeGoYaml(value: string): string {
  const lines = value.split('\n');
  let previousNormal = false;
  const out: string[] = [];
  for (const line of lines) {
    const moreIndented = line.startsWith(' ') || line.startsWith('\t');
    if (moreIndented && previousNormal) out.push('');
    out.push(line);
    if (line !== '') previousNormal = !moreIndented;
  }
  return out.join('\n');
}

/** `<<: *anchor` merge keys: keys already present win, as in go-yaml. */
function mergeInto(map: ValueMap, merged: Value, source: string): void {
  const sources = Array.isArray(merged) ? merged : [merged];
  for (const item of sources) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new KustomizeError(`${source}: map merge requires a mapping or a list of mappings`);
    }
    for (const key of Object.keys(item)) {
      if (!(key in map)) map[key] = item[key] as Value;
    }
  }
}

function keyText(key: Value, source: string): string {
  if (typeof key === 'string') return key;
  if (key === null) return '';
  if (typeof key === 'object') {
    throw new KustomizeError(`${source}: mapping keys must be scalars`);
  }
  return String(key);
}

function scalarValue(
  text: unknown,
  type: string | undefined,
  tag: string | undefined,
  context: Context,
): Value {
  const { source } = context;
  const value = typeof text === 'string' ? text : String(text);
  if (tag?.startsWith(tagPrefix)) {
    return taggedValue(value, tag.slice(tagPrefix.length), source);
  }
  if (type !== 'PLAIN' || tag !== undefined) return value;
  return context.typing === 'v2' ? resolvePlainV2(value) : resolvePlain(value);
}

function taggedValue(value: string, tag: string, source: string): Value {
  switch (tag) {
    case 'str':
    case 'binary':
      return value;
    case 'null':
      return null;
    case 'bool':
    case 'int':
    case 'float':
    case 'timestamp': {
      const resolved = resolvePlain(value);
      if (typeof resolved === 'string' && tag !== 'timestamp') {
        throw new KustomizeError(`${source}: cannot decode ${JSON.stringify(value)} as !!${tag}`);
      }
      return resolved;
    }
    default:
      return value;
  }
}

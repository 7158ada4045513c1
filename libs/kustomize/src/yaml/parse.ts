/**
 * Reads YAML streams into Values with go-yaml v3's typing, which is what kustomize uses: the
 * `yaml` package parses with the failsafe schema (every scalar a string), and plain scalars are
 * then typed here by v3's rules rather than the YAML 1.2 core schema.
 *
 * Aliases are expanded here (the `yaml` package's own alias budget only guards its `toJS`), so
 * the expansion is bounded here too: a document may grow through aliases to at most
 * `aliasExpansionFactor` times its own node count (at least `aliasExpansionFloor` nodes), and
 * never beyond `maxDocumentNodes`. A few hundred bytes of nested aliases ("billion laughs")
 * therefore fail in microseconds instead of expanding to billions of nodes.
 */
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
  visit,
  type Alias,
  type Document,
  type Node,
} from 'yaml';
import { KustomizeError } from '../errors.js';
import { newMap, type Value, type ValueMap } from '../value.js';
import { resolvePlain, resolvePlainV2 } from './scalars.js';

const tagPrefix = 'tag:yaml.org,2002:';

/** How many times its own size a document may grow to through aliases. */
export const aliasExpansionFactor = 100;
/** The expanded size every document may reach, however small it is. */
export const aliasExpansionFloor = 10_000;
/** No document, expanded or not, holds more nodes than this. */
export const maxDocumentNodes = 1_000_000;

/**
 * How plain scalars are typed: `v3` like go-yaml v3 (resources, patches), `v2` like go-yaml v2,
 * which is how kustomize reads kustomization files (so `y`, `yes` and `on` are booleans there).
 */
export type Typing = 'v3' | 'v2';

interface Context {
  readonly source: string;
  /** The anchored node each alias names (undefined for an unknown anchor). */
  readonly targets: ReadonlyMap<Alias, Node | undefined>;
  /** The anchored nodes whose alias expansions are in progress, to refuse an alias cycle. */
  readonly expanding: Set<Node>;
  readonly budget: NodeBudget;
  /** Whether the node being decoded was reached through an alias. */
  readonly charged?: boolean;
  readonly typing: Typing;
  /** Where the text ends when it lacks a final newline; -1 otherwise. */
  readonly unterminatedEnd: number;
}

/** Every non-empty document of a YAML stream; `source` names the file in errors. */
export function parseDocuments(text: string, source: string, typing: Typing = 'v3'): Value[] {
  const documents = parseAllDocuments(text, {
    schema: 'failsafe',
    // go-yaml v2 (kustomization files) lets a repeated key overwrite the earlier one.
    uniqueKeys: typing !== 'v2',
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
    const { targets, nodes } = indexDocument(document);
    if (nodes > maxDocumentNodes) {
      throw new KustomizeError(
        `${source}: a YAML document holds more than ${maxDocumentNodes} nodes`,
      );
    }
    const budget = new NodeBudget(nodes, source);
    const context: Context = {
      source,
      targets,
      expanding: new Set(),
      budget,
      typing,
      unterminatedEnd,
    };
    const value = toValue(document.contents, context);
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

/**
 * Counts the nodes a document expands to. Only nodes reached through an alias are charged
 * against the limit: the document's own nodes are already paid for by its size.
 */
class NodeBudget {
  readonly limit: number;
  private expanded = 0;

  constructor(
    ownNodes: number,
    private readonly source: string,
  ) {
    const allowed = Math.max(aliasExpansionFloor, ownNodes * aliasExpansionFactor);
    this.limit = Math.min(maxDocumentNodes, allowed) - ownNodes;
  }

  /** Charges the nodes of one alias expansion as they are produced. */
  charge(): void {
    this.expanded += 1;
    if (this.expanded > this.limit) {
      throw new KustomizeError(
        `${this.source}: YAML aliases expand to more than ${this.limit} nodes ` +
          `(at most ${aliasExpansionFactor} times the document's own nodes)`,
      );
    }
  }
}

/**
 * The document's own node count, and the anchor each alias names: the last node anchored with
 * that name before the alias, as the YAML spec (and `Alias.resolve`) has it, found in one pass
 * rather than one walk of the document per alias.
 */
function indexDocument(document: Document.Parsed): {
  targets: Map<Alias, Node | undefined>;
  nodes: number;
} {
  const latest = new Map<string, Node>();
  const targets = new Map<Alias, Node | undefined>();
  let nodes = 0;
  visit(document, {
    Node: (_key, node) => {
      nodes += 1;
      if (isAlias(node)) targets.set(node, latest.get(node.source));
      else if (node.anchor !== undefined) latest.set(node.anchor, node);
    },
  });
  return { targets, nodes };
}

/** The value of an alias: its anchored node, decoded again, with every node charged. */
function aliasValue(alias: Alias, context: Context): Value {
  const target = context.targets.get(alias);
  if (target === undefined) return null;
  if (context.expanding.has(target)) {
    throw new KustomizeError(`${context.source}: anchor '${alias.source}' value contains itself`);
  }
  context.expanding.add(target);
  try {
    return toValue(target, { ...context, charged: true });
  } finally {
    context.expanding.delete(target);
  }
}

function toValue(node: unknown, context: Context): Value {
  const { source } = context;
  if (context.charged === true) context.budget.charge();
  if (isAlias(node)) return aliasValue(node, context);
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

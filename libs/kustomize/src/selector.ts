/**
 * Resource selectors of patch targets: group, version, kind, name and namespace as anchored Go
 * (RE2) regular expressions, plus Kubernetes label and annotation selectors. An unset field
 * matches anything; a name or namespace matches the current or the original value.
 */
import { RE2JS } from 're2js';
import { KustomizeError } from './errors.js';
import type { Resource } from './resource.js';
import { describe, isMap, type ValueMap } from './value.js';

export interface Selector {
  readonly group?: string;
  readonly version?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly annotationSelector?: string;
}

const selectorFields = [
  'group',
  'version',
  'kind',
  'name',
  'namespace',
  'labelSelector',
  'annotationSelector',
] as const;

export function parseSelector(value: unknown, origin: string): Selector {
  if (!isMap(value as ValueMap)) throw new KustomizeError(`${origin}: target must be a mapping`);
  const map = value as ValueMap;
  const selector: Record<string, string> = {};
  for (const key of Object.keys(map)) {
    const field = map[key];
    if (!(selectorFields as readonly string[]).includes(key)) {
      throw new KustomizeError(`${origin}: unknown field "${key}" in patch target`);
    }
    if (field === null || field === undefined) continue;
    if (typeof field !== 'string') {
      throw new KustomizeError(`${origin}: patch target field "${key}" must be a string`);
    }
    selector[key] = field;
  }
  return selector;
}

/** A compiled selector; compile once, match many resources. */
export class ResourceMatcher {
  private readonly group: Pattern | undefined;
  private readonly version: Pattern | undefined;
  private readonly kind: Pattern | undefined;
  private readonly name: Pattern | undefined;
  private readonly namespace: Pattern | undefined;
  private readonly labels: LabelSelector | undefined;
  private readonly annotations: LabelSelector | undefined;

  constructor(readonly selector: Selector) {
    this.group = anchored(selector.group);
    this.version = anchored(selector.version);
    this.kind = anchored(selector.kind);
    this.name = anchored(selector.name);
    this.namespace = anchored(selector.namespace);
    this.labels = parseLabelSelector(selector.labelSelector);
    this.annotations = parseLabelSelector(selector.annotationSelector);
  }

  /** The literal kind, when the selector names exactly one (for index look-ups). */
  literalKind(): string | undefined {
    const kind = this.selector.kind;
    return kind !== undefined && /^[A-Za-z0-9]+$/.test(kind) ? kind : undefined;
  }

  matches(resource: Resource): boolean {
    const current = resource.id();
    const original = resource.originalId();
    if (!test(this.group, current.group)) return false;
    if (!test(this.version, current.version)) return false;
    if (!test(this.kind, current.kind)) return false;
    if (!test(this.name, current.name) && !test(this.name, original.name)) return false;
    if (
      !test(this.namespace, effective(current.namespace)) &&
      !test(this.namespace, effective(original.namespace))
    ) {
      return false;
    }
    if (this.labels !== undefined && !this.labels(stringsOf(resource.labels()))) return false;
    if (this.annotations !== undefined && !this.annotations(stringsOf(resource.annotations()))) {
      return false;
    }
    return true;
  }
}

function effective(namespace: string): string {
  return namespace === '' ? 'default' : namespace;
}

/** A compiled field pattern: plain text compares directly, anything else runs as RE2. */
type Pattern = string | RE2JS;

const regexSyntax = /[\\^$.*+?()[\]{}|]/;

function anchored(pattern: string | undefined): Pattern | undefined {
  if (pattern === undefined || pattern === '') return undefined;
  // Escaped metacharacters are literal too, so patterns built from exact names skip RE2.
  const escapedMeta = /\\([\\^$.*+?()[\]{}|])/g;
  if (!regexSyntax.test(pattern.replace(escapedMeta, '')))
    return pattern.replace(escapedMeta, '$1');
  try {
    return RE2JS.compile(`^(?:${pattern})$`);
  } catch (error) {
    throw new KustomizeError(
      `invalid regular expression ${JSON.stringify(pattern)}: ${String(error)}`,
    );
  }
}

function test(pattern: Pattern | undefined, value: string): boolean {
  if (pattern === undefined) return true;
  return typeof pattern === 'string' ? pattern === value : pattern.matches(value);
}

function stringsOf(map: ValueMap): Map<string, string> {
  const result = new Map<string, string>();
  for (const key of Object.keys(map)) {
    const value = map[key];
    result.set(key, describe(value));
  }
  return result;
}

type LabelSelector = (labels: Map<string, string>) => boolean;

/** Parses the Kubernetes label selector syntax: `a=b,c!=d,e in (x,y),f notin (z),g,!h`. */
export function parseLabelSelector(text: string | undefined): LabelSelector | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const requirements = splitRequirements(text).map(parseRequirement);
  return (labels) => requirements.every((requirement) => requirement(labels));
}

function splitRequirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim());
}

const labelKey = String.raw`[A-Za-z0-9][-A-Za-z0-9_./]*`;
const labelValue = String.raw`(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;

function parseRequirement(text: string): LabelSelector {
  let match = new RegExp(`^(${labelKey})\\s*(==|=|!=)\\s*(${labelValue})$`).exec(text);
  if (match !== null) {
    const [, key = '', op, value = ''] = match;
    if (op === '!=') return (labels) => labels.get(key) !== value;
    return (labels) => labels.get(key) === value;
  }
  match = new RegExp(`^(${labelKey})\\s+(in|notin)\\s*\\(([^)]*)\\)$`).exec(text);
  if (match !== null) {
    const [, key = '', op, list = ''] = match;
    const values = new Set(list.split(',').map((value) => value.trim()));
    if (op === 'in') return (labels) => values.has(labels.get(key) ?? '\0');
    return (labels) => !values.has(labels.get(key) ?? '\0');
  }
  match = new RegExp(`^(!?)\\s*(${labelKey})$`).exec(text);
  if (match !== null) {
    const [, not, key = ''] = match;
    return not === '!' ? (labels) => !labels.has(key) : (labels) => labels.has(key);
  }
  throw new KustomizeError(`unable to parse requirement ${JSON.stringify(text)} of a selector`);
}

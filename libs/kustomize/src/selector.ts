/**
 * Resource selectors of patch targets: group, version, kind, name and namespace as anchored Go
 * (RE2) regular expressions, plus Kubernetes label and annotation selectors. An unset field
 * matches anything; a name or namespace matches the current or the original value.
 */
import { RE2JS } from 're2js';
import {
  LabelSelectorError,
  parseLabelSelector as parseSelectorText,
  type LabelMatcher,
} from '@tide/kube/selector';
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

/** The fields of a selector, as patch targets and replacement sources and targets spell them. */
export const selectorFields = [
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
  private readonly labels: LabelMatcher | undefined;
  private readonly annotations: LabelMatcher | undefined;

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
    if (this.labels !== undefined && !this.labels(lookup(resource.labels()))) return false;
    if (this.annotations !== undefined && !this.annotations(lookup(resource.annotations()))) {
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

/** Label or annotation values as selectors read them. */
export function lookup(map: ValueMap): (key: string) => string | undefined {
  return (key) => (Object.hasOwn(map, key) ? describe(map[key]) : undefined);
}

/** A label selector; a parse error says which selector, in kustomize's words. */
export function parseLabelSelector(text: string | undefined): LabelMatcher | undefined {
  try {
    return parseSelectorText(text);
  } catch (error) {
    if (!(error instanceof LabelSelectorError)) throw error;
    throw new KustomizeError(
      `unable to parse requirement of selector ${JSON.stringify(text)}: ${error.message}`,
    );
  }
}

import { RE2JS } from 're2js';
import { groupOf, versionOf, type KubeObject } from './object.js';

/**
 * Which objects a rule is for, as Flux's (and kustomize's) patch targets say it: group,
 * version, kind, name and namespace are anchored Go (RE2) regular expressions, labels and
 * annotations Kubernetes label selectors. An unset or empty field matches anything.
 */
export interface ObjectSelector {
  readonly group?: string | undefined;
  readonly version?: string | undefined;
  readonly kind?: string | undefined;
  readonly name?: string | undefined;
  readonly namespace?: string | undefined;
  readonly labelSelector?: string | undefined;
  readonly annotationSelector?: string | undefined;
}

/** A selector field that cannot be read: a bad regular expression or label selector. */
export class InvalidSelectorError extends TypeError {
  override readonly name = 'InvalidSelectorError';
}

type Match = (object: KubeObject) => boolean;

/** Compiles a selector once; the result matches objects as they are applied. */
export function compileSelector(selector: ObjectSelector): Match {
  const checks: Match[] = [];
  const field = (pattern: string | undefined, read: (object: KubeObject) => string) => {
    if (pattern === undefined || pattern === '') return;
    const regex = compileRegex(pattern);
    checks.push((object) => regex.matches(read(object)));
  };
  field(selector.group, (o) => groupOf(o.apiVersion));
  field(selector.version, (o) => versionOf(o.apiVersion));
  field(selector.kind, (o) => o.kind);
  field(selector.name, (o) => o.metadata.name);
  field(selector.namespace, (o) => o.metadata.namespace ?? '');
  const labels = parseLabelSelector(selector.labelSelector, 'labelSelector');
  if (labels !== undefined) checks.push((o) => labels(o.metadata.labels ?? {}));
  const annotations = parseLabelSelector(selector.annotationSelector, 'annotationSelector');
  if (annotations !== undefined) checks.push((o) => annotations(o.metadata.annotations ?? {}));
  return (object) => checks.every((check) => check(object));
}

function compileRegex(pattern: string): RE2JS {
  try {
    return RE2JS.compile(`^(?:${pattern})$`);
  } catch (error) {
    throw new InvalidSelectorError(
      `invalid regular expression ${JSON.stringify(pattern)}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

type Requirement = (set: Readonly<Record<string, string>>) => boolean;

const key = String.raw`(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?`;
const value = String.raw`(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;
const equality = new RegExp(`^(${key})\\s*(==|=|!=)\\s*(${value})$`);
const membership = new RegExp(`^(${key})\\s+(in|notin)\\s*\\(([^()]*)\\)$`);
const existence = new RegExp(`^(!?)\\s*(${key})$`);

/** Kubernetes label selector syntax: `a=b, c!=d, e in (x,y), f notin (z), g, !h`. */
function parseLabelSelector(text: string | undefined, field: string): Requirement | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const requirements = splitTopLevel(text).map((part) => parseRequirement(part.trim(), field));
  return (set) => requirements.every((requirement) => requirement(set));
}

function parseRequirement(text: string, field: string): Requirement {
  const eq = equality.exec(text);
  if (eq !== null) {
    const [, k = '', op, v = ''] = eq;
    return op === '!=' ? (set) => set[k] !== v : (set) => set[k] === v;
  }
  const member = membership.exec(text);
  if (member !== null) {
    const [, k = '', op, list = ''] = member;
    const values = list.split(',').map((entry) => entry.trim());
    if (values.some((entry) => !new RegExp(`^${value}$`).test(entry)))
      throw new InvalidSelectorError(`${field}: invalid value in ${JSON.stringify(text)}`);
    return op === 'in'
      ? (set) => set[k] !== undefined && values.includes(set[k])
      : (set) => set[k] === undefined || !values.includes(set[k]);
  }
  const exists = existence.exec(text);
  if (exists !== null) {
    const [, not, k = ''] = exists;
    return not === '!' ? (set) => set[k] === undefined : (set) => set[k] !== undefined;
  }
  throw new InvalidSelectorError(`${field}: cannot parse requirement ${JSON.stringify(text)}`);
}

/** Splits on commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

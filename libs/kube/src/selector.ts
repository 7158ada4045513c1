/**
 * Kubernetes label selectors in their text form (`a=b, c!=d, e in (x,y), f notin (z), g, !h`),
 * read the way apimachinery's `labels.Parse` reads them: keys are qualified names, values
 * label values, and the parse fails on anything else. Used for Flux's patch and replacement
 * targets, drift-ignore rules and `--watch-label-selector`.
 */

/** Why a selector's text could not be read; callers add which field it came from. */
export class LabelSelectorError extends Error {
  override readonly name = 'LabelSelectorError';
}

/** Whether a set of labels (or annotations) satisfies a selector. */
export type LabelMatcher = (get: (key: string) => string | undefined) => boolean;

const Operator = {
  Equals: '=',
  DoubleEquals: '==',
  NotEquals: '!=',
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
  GreaterThan: 'gt',
  LessThan: 'lt',
} as const;
type Operator = (typeof Operator)[keyof typeof Operator];

interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

/** Parses a selector; an empty or blank text selects everything (undefined). */
export function parseLabelSelector(text: string | undefined): LabelMatcher | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const requirements = splitTopLevel(text).map((part) => parseRequirement(part.trim()));
  return (get) => requirements.every((requirement) => satisfies(requirement, get));
}

/** A matcher over a plain label map. */
export function matchLabels(
  matcher: LabelMatcher | undefined,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  if (matcher === undefined) return true;
  return matcher((key) =>
    labels !== undefined && Object.hasOwn(labels, key) ? labels[key] : undefined,
  );
}

function satisfies(requirement: Requirement, get: (key: string) => string | undefined): boolean {
  const actual = get(requirement.key);
  const [first = ''] = requirement.values;
  switch (requirement.operator) {
    case Operator.Equals:
    case Operator.DoubleEquals:
      return actual === first;
    case Operator.NotEquals:
      return actual !== first;
    case Operator.In:
      return actual !== undefined && requirement.values.includes(actual);
    case Operator.NotIn:
      return actual === undefined || !requirement.values.includes(actual);
    case Operator.Exists:
      return actual !== undefined;
    case Operator.DoesNotExist:
      return actual === undefined;
    case Operator.GreaterThan:
    case Operator.LessThan:
      return compareInteger(actual, first, requirement.operator);
  }
}

function compareInteger(actual: string | undefined, bound: string, operator: Operator): boolean {
  if (actual === undefined || !/^-?\d+$/.test(actual)) return false;
  const value = BigInt(actual);
  return operator === Operator.GreaterThan ? value > BigInt(bound) : value < BigInt(bound);
}

const requirementForms: readonly [RegExp, (match: RegExpExecArray) => Requirement][] = [
  [
    /^(\S+?)\s*(==|=|!=)\s*(\S*)$/,
    ([, key = '', op = '', value = '']) => ({ key, operator: op as Operator, values: [value] }),
  ],
  [
    /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/,
    ([, key = '', op = '', list = '']) => ({
      key,
      operator: op as Operator,
      values: list.trim() === '' ? [] : list.split(',').map((entry) => entry.trim()),
    }),
  ],
  [/^(\S+?)\s*(>|<)\s*(\S+)$/, ([, key = '', op, value = '']) => integerBound(key, op, value)],
  [/^!\s*(\S+)$/, ([, key = '']) => ({ key, operator: Operator.DoesNotExist, values: [] })],
  [/^(\S+)$/, ([, key = '']) => ({ key, operator: Operator.Exists, values: [] })],
];

function parseRequirement(text: string): Requirement {
  for (const [pattern, build] of requirementForms) {
    const match = pattern.exec(text);
    if (match === null) continue;
    const requirement = build(match);
    validateKey(requirement.key, text);
    for (const value of requirement.values) validateValue(value, text);
    if (
      (requirement.operator === Operator.In || requirement.operator === Operator.NotIn) &&
      requirement.values.length === 0
    )
      throw new LabelSelectorError(`${JSON.stringify(text)}: a set needs at least one value`);
    return requirement;
  }
  throw new LabelSelectorError(`cannot parse requirement ${JSON.stringify(text)}`);
}

function integerBound(key: string, op: string | undefined, value: string): Requirement {
  if (!/^-?\d+$/.test(value))
    throw new LabelSelectorError(`${key}${op ?? ''}${value}: ${value} is not an integer`);
  return { key, operator: op === '>' ? Operator.GreaterThan : Operator.LessThan, values: [value] };
}

const name = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A qualified name: `[prefix/]name`, prefix a DNS subdomain, name at most 63 characters. */
function validateKey(key: string, text: string): void {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const local = slash < 0 ? key : key.slice(slash + 1);
  const prefixOk = prefix === undefined || (prefix.length <= 253 && dnsSubdomain.test(prefix));
  if (!prefixOk || local.length > 63 || !name.test(local))
    throw new LabelSelectorError(
      `${JSON.stringify(text)}: invalid label key ${JSON.stringify(key)}: a qualified name is an optional DNS subdomain prefix and '/', then at most 63 alphanumeric characters, '-', '_' or '.'`,
    );
}

function validateValue(value: string, text: string): void {
  if (value === '' || (value.length <= 63 && name.test(value))) return;
  throw new LabelSelectorError(
    `${JSON.stringify(text)}: invalid label value ${JSON.stringify(value)}: at most 63 alphanumeric characters, '-', '_' or '.', starting and ending with an alphanumeric character`,
  );
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

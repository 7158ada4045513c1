import { compareVersions, parseVersion, type Version } from './version.js';

/**
 * Version constraints with the grammar and semantics of Masterminds/semver v3, which Helm
 * (chart versions), Flux (`ref.semver`, ImagePolicy `semver.range`) and Sprig use:
 * `||` separates alternatives; within one, constraints are joined by `,` or spaces (AND);
 * `A - B` is `>= A, <= B`; `x`, `X` and `*` are wildcards; `~`, `~>` and `^` are ranges.
 * A pre-release version only satisfies a constraint that itself names a pre-release.
 */
export interface Constraints {
  readonly text: string;
  check(version: Version): boolean;
}

export class InvalidConstraintError extends Error {
  override readonly name = 'InvalidConstraintError';
}

type Operator = '' | '=' | '!=' | '>' | '<' | '>=' | '=>' | '<=' | '=<' | '~' | '~>' | '^';

interface Constraint {
  readonly operator: Operator;
  readonly version: Version;
  /** Some part was a wildcard or missing: `1.x`, `1.2`, `*`. */
  readonly dirty: boolean;
  /** The minor part (and so the patch) was a wildcard or missing: `1`, `1.x`. */
  readonly minorDirty: boolean;
  /** Only the patch part was a wildcard or missing: `1.2`, `1.2.x`. */
  readonly patchDirty: boolean;
}

// Longest operators first, so `>=` is never read as `>` followed by `=1.2`.
const operatorPattern = '!=|>=|=>|<=|=<|~>|>|<|=|~|\\^|';
const partPattern = '[0-9xX*]+';
const versionPattern =
  `v?(${partPattern})(\\.${partPattern})?(\\.${partPattern})?` +
  '(-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?(\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?';
/**
 * `1.2 - 1.4` at the start of what is left of a group: anchored and tried once per constraint
 * while the group is read, so its cost is linear in the input (a global, unanchored search
 * retried from every position was quadratic on long digit runs).
 */
const hyphenRange = new RegExp(
  `^\\s*(${versionPatternNoGroups()})\\s+-\\s+(${versionPatternNoGroups()})(?=[\\s,]|$)`,
);
const leadingConstraint = new RegExp(`^\\s*(${operatorPattern})\\s*(${versionPattern})\\s*`);

function versionPatternNoGroups(): string {
  return versionPattern.replace(/\((?!\?)/g, '(?:');
}

/** Parses a constraint string; throws InvalidConstraintError naming the bad part. */
export function parseConstraints(text: string): Constraints {
  const alternatives = text.split('||').map((group) => parseGroup(group, text));
  return {
    text,
    check: (version) => alternatives.some((group) => groupAllows(version, group)),
  };
}

function parseGroup(group: string, whole: string): Constraint[] {
  const constraints: Constraint[] = [];
  let rest = group;
  let spaced = false; // the previous constraint ended in white space, which separates too
  while (rest.trim() !== '') {
    if (constraints.length > 0) {
      const separator = /^\s*,\s*/.exec(rest) ?? (spaced ? /^/.exec(rest) : /^\s+/.exec(rest));
      if (separator === null) throw improper(group, whole);
      rest = rest.slice(separator[0].length);
    }
    const range = hyphenRange.exec(rest);
    if (range !== null) {
      // `low - high` is `>= low, <= high`, as Masterminds rewrites it.
      constraints.push(rangeEnd('>=', range[1] ?? ''), rangeEnd('<=', range[2] ?? ''));
      spaced = false;
      rest = rest.slice(range[0].length);
      continue;
    }
    const match = leadingConstraint.exec(rest);
    if (match === null) throw improper(group, whole);
    constraints.push(toConstraint(match));
    spaced = /\s$/.test(match[0]);
    rest = rest.slice(match[0].length);
  }
  if (constraints.length === 0) throw improper(group, whole);
  return constraints;
}

function rangeEnd(operator: '>=' | '<=', version: string): Constraint {
  const match = leadingConstraint.exec(`${operator} ${version}`);
  if (match === null) throw new InvalidConstraintError(`improper constraint version "${version}"`);
  return toConstraint(match);
}

function improper(group: string, whole: string): InvalidConstraintError {
  return new InvalidConstraintError(
    `improper constraint ${JSON.stringify(group.trim())} in ${JSON.stringify(whole)}`,
  );
}

const isWildcard = (part: string | undefined): boolean =>
  part !== undefined && /^[xX*]$/.test(part.replace(/^\./, ''));

function toConstraint(match: RegExpExecArray): Constraint {
  const operator = (match[1] ?? '') as Operator;
  const major = match[3] ?? '';
  const minor = match[4];
  const patch = match[5];
  const prerelease = match[6] ?? '';
  let text = `${major}${minor ?? ''}${patch ?? ''}${prerelease}`;
  let dirty = false;
  let minorDirty = false;
  let patchDirty = false;
  if (isWildcard(major)) {
    text = `0.0.0${prerelease}`;
    dirty = true;
  } else if (minor === undefined || isWildcard(minor)) {
    text = `${major}.0.0${prerelease}`;
    dirty = minorDirty = true;
  } else if (patch === undefined || isWildcard(patch)) {
    text = `${major}${minor}.0${prerelease}`;
    dirty = patchDirty = true;
  }
  const version = parseVersion(text);
  if (version === undefined)
    throw new InvalidConstraintError(`improper constraint version ${JSON.stringify(match[2])}`);
  return { operator, version, dirty, minorDirty, patchDirty };
}

/** A pre-release only passes a group in which some constraint names a pre-release. */
function groupAllows(v: Version, group: readonly Constraint[]): boolean {
  if (v.prerelease !== '' && !group.some((c) => c.version.prerelease !== '')) return false;
  return group.every((c) => satisfies(v, c));
}

function satisfies(v: Version, c: Constraint): boolean {
  switch (c.operator) {
    case '!=':
      return notEqual(v, c);
    case '>':
      return greaterThan(v, c);
    case '<':
      return compareVersions(v, c.version) < 0;
    case '>=':
    case '=>':
      return compareVersions(v, c.version) >= 0;
    case '<=':
    case '=<':
      return lessThanOrEqual(v, c);
    case '~':
    case '~>':
      return tilde(v, c);
    case '^':
      return caret(v, c);
    case '':
    case '=':
      return c.dirty ? tilde(v, c) : compareVersions(v, c.version) === 0;
  }
}

function notEqual(v: Version, c: Constraint): boolean {
  if (!c.dirty) return compareVersions(v, c.version) !== 0;
  if (c.version.major !== v.major) return true;
  if (c.minorDirty) return false;
  if (c.version.minor !== v.minor) return true;
  if (c.patchDirty) {
    return v.prerelease !== '' || c.version.prerelease !== ''
      ? v.prerelease !== c.version.prerelease
      : false;
  }
  return compareVersions(v, c.version) !== 0;
}

function greaterThan(v: Version, c: Constraint): boolean {
  if (!c.dirty) return compareVersions(v, c.version) > 0;
  if (v.major !== c.version.major) return v.major > c.version.major;
  if (c.minorDirty) return false; // `>1` wants 2 or higher
  if (c.patchDirty) return v.minor > c.version.minor; // `>1.2` wants 1.3 or higher
  return compareVersions(v, c.version) > 0;
}

function lessThanOrEqual(v: Version, c: Constraint): boolean {
  if (!c.dirty) return compareVersions(v, c.version) <= 0;
  if (v.major > c.version.major) return false;
  return !(v.major === c.version.major && v.minor > c.version.minor && !c.minorDirty);
}

function tilde(v: Version, c: Constraint): boolean {
  if (compareVersions(v, c.version) < 0) return false;
  const { major, minor, patch } = c.version;
  if (major === 0 && minor === 0 && patch === 0 && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== major) return false;
  return c.minorDirty || v.minor === minor;
}

function caret(v: Version, c: Constraint): boolean {
  if (compareVersions(v, c.version) < 0) return false;
  const { major, minor, patch } = c.version;
  if (major > 0 || c.minorDirty) return v.major === major;
  if (v.major > 0) return false;
  if (minor > 0 || c.patchDirty) return v.minor === minor;
  if (v.minor > 0) return false;
  return v.patch === patch;
}

/** The highest of `candidates` that parses and satisfies `constraints`, with its text. */
export function highestSatisfying(
  candidates: readonly string[],
  constraints: Constraints,
): string | undefined {
  let best: { text: string; version: Version } | undefined;
  for (const text of candidates) {
    const version = parseVersion(text);
    if (version === undefined || !constraints.check(version)) continue;
    if (best === undefined || compareVersions(version, best.version) > 0) best = { text, version };
  }
  return best?.text;
}

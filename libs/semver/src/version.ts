/**
 * A semantic version as Masterminds/semver v3 parses it: a leading `v` is allowed, a
 * missing minor or patch is read as 0 (`1.2` is `1.2.0`), build metadata is kept but never
 * compared.
 */
export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Dot-separated pre-release identifiers, '' when none. */
  readonly prerelease: string;
  readonly metadata: string;
  /** The text it was parsed from. */
  readonly original: string;
}

const loosePattern =
  /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export class InvalidVersionError extends Error {
  override readonly name = 'InvalidVersionError';
}

/** Parses leniently (as Masterminds' NewVersion); undefined when the text is no version. */
export function parseVersion(text: string): Version | undefined {
  const match = loosePattern.exec(text);
  if (match === null) return undefined;
  const [, major = '0', minor, patch, prerelease = '', metadata = ''] = match;
  if (prerelease !== '' && !validPrerelease(prerelease)) return undefined;
  const number = (part: string | undefined): number =>
    part === undefined ? 0 : Number.parseInt(part.replace(/^\./, ''), 10);
  const parsed = { major: number(major), minor: number(minor), patch: number(patch) };
  if (!Object.values(parsed).every(Number.isSafeInteger)) return undefined;
  return { ...parsed, prerelease, metadata, original: text };
}

/** Parses or throws InvalidVersionError naming the text. */
export function mustParseVersion(text: string): Version {
  const version = parseVersion(text);
  if (version === undefined)
    throw new InvalidVersionError(`invalid semantic version ${JSON.stringify(text)}`);
  return version;
}

/** Numeric pre-release identifiers may not have leading zeros (SemVer 2.0.0). */
function validPrerelease(prerelease: string): boolean {
  return prerelease.split('.').every((id) => !/^0[0-9]+$/.test(id));
}

/** -1, 0 or 1; pre-releases sort before their release; metadata is ignored. */
export function compareVersions(a: Version, b: Version): number {
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  }
  return comparePrerelease(a.prerelease, b.prerelease);
}

function comparePrerelease(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  const left = a.split('.');
  const right = b.split('.');
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const x = left[i];
    const y = right[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const order = compareIdentifier(x, y);
    if (order !== 0) return order;
  }
  return 0;
}

function compareIdentifier(x: string, y: string): number {
  const xNumeric = /^[0-9]+$/.test(x);
  const yNumeric = /^[0-9]+$/.test(y);
  if (xNumeric && yNumeric) {
    const difference = BigInt(x) - BigInt(y);
    return difference === 0n ? 0 : difference < 0n ? -1 : 1;
  }
  if (xNumeric) return -1;
  if (yNumeric) return 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

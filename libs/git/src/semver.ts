import semver from 'semver';

/**
 * The highest tag that parses as a semantic version (a leading `v` allowed) and satisfies
 * the range. Ranges use the Masterminds syntax Flux documents: `,` joins constraints (AND),
 * `||` separates alternatives; pre-releases only match a range that names one.
 */
export function highestMatchingTag(tags: readonly string[], range: string): string | undefined {
  const npmRange = toNpmRange(range);
  let best: { tag: string; version: semver.SemVer } | undefined;
  for (const tag of tags) {
    const version = semver.parse(tag.replace(/^v/, ''), { loose: true });
    if (version === null || !semver.satisfies(version, npmRange)) continue;
    if (best === undefined || semver.gt(version, best.version)) best = { tag, version };
  }
  return best?.tag;
}

/** Masterminds joins AND-ed constraints with commas where npm uses spaces. */
function toNpmRange(range: string): semver.Range {
  const normalized = range
    .split('||')
    .map((alternative) =>
      alternative
        .split(',')
        .map((c) => c.trim())
        .join(' '),
    )
    .join(' || ');
  try {
    return new semver.Range(normalized, { loose: true });
  } catch {
    throw new RangeError(`invalid semver range ${JSON.stringify(range)}`);
  }
}

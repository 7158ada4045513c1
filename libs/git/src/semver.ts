import { InvalidConstraintError, highestSatisfying, parseConstraints } from '@tide/semver';
import { GitError } from './errors.js';

/**
 * The highest tag that is a semantic version (a leading `v` allowed) within the range, by
 * the Masterminds rules Flux documents for `ref.semver`.
 */
export function highestMatchingTag(tags: readonly string[], range: string): string | undefined {
  let constraints;
  try {
    constraints = parseConstraints(range);
  } catch (error) {
    if (!(error instanceof InvalidConstraintError)) throw error;
    throw new GitError(
      'InvalidReference',
      `invalid ref.semver ${JSON.stringify(range)}: ${error.message}`,
      { cause: error },
    );
  }
  return highestSatisfying(tags, constraints);
}

/**
 * @tide/semver: semantic versions and constraints with the rules of Go's
 * Masterminds/semver v3 — what Helm uses to pick chart versions and Flux uses for
 * `ref.semver` and ImagePolicy ranges. npm's `semver` differs on pre-releases, `,` and
 * partial versions, so it cannot stand in.
 */
export {
  compareVersions,
  mustParseVersion,
  parseVersion,
  InvalidVersionError,
  type Version,
} from './version.js';
export {
  parseConstraints,
  highestSatisfying,
  InvalidConstraintError,
  type Constraints,
} from './constraints.js';

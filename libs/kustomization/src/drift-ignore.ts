import { ConditionReason, type KustomizationSpec } from '@tide/api';
import { InvalidSpecError } from './errors.js';
import { DriftIgnoreRules, InvalidIgnoreRuleError } from '@tide/ssa';

/**
 * `spec.ignore`, compiled once per reconcile for the apply (undefined when there
 * are none). A path that is not a JSON pointer, or a target whose regular expression or
 * label selector cannot be read, is an InvalidSpecError naming the rule.
 */
export function compileDriftIgnoreRules(spec: KustomizationSpec): DriftIgnoreRules | undefined {
  const rules = spec.ignore ?? [];
  if (rules.length === 0) return undefined;
  try {
    return DriftIgnoreRules.compile(rules);
  } catch (error) {
    if (!(error instanceof InvalidIgnoreRuleError)) throw error;
    throw new InvalidSpecError(
      ConditionReason.ReconciliationFailed,
      `spec.ignore[${error.index}]: ${error.reason}`,
      { cause: error },
    );
  }
}

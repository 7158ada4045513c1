/**
 * @tide/ssa: the server-side apply manager kustomize-controller and `tide diff` are built
 * on. Applies object sets in stages with a dry run first and returns a change set
 * (created/configured/unchanged/deleted/skipped), diffs against the cluster with Secrets
 * masked, prunes with Flux's opt-out annotations, leaves the paths of drift ignore rules
 * alone, computes kstatus health and waits for it, and keeps inventories in Flux's id
 * format. Objects are plain JSON end to end.
 */
export { ResourceManager, type ResourceManagerOptions } from './manager.js';
export { ResourceMapper, type ResourceInfo } from './discovery.js';
export {
  defaultTakeOverManagers,
  lastAppliedAnnotation,
  unionFields,
  type FieldManagerRef,
} from './takeover.js';
export { applyStages, ApplyError, type ApplyOptions } from './apply.js';
export { DriftIgnoreRules, InvalidIgnoreRuleError, type IgnoreRule } from './ignore.js';
export { InvalidSelectorError, type ObjectSelector } from './selector.js';
export { Annotations, ApplyPolicy, policyOf, immutableFields, type PlanOptions } from './plan.js';
export {
  Action,
  changeSetEntry,
  entriesWith,
  summarizeChangeSet,
  type ChangeSet,
  type ChangeSetEntry,
} from './changeset.js';
export { secretMask, changedSecretMask, type ObjectDiff } from './diff.js';
export { keepReason, type DeleteOptions } from './prune.js';
export { computeHealth, HealthStatus, type Health } from './health.js';
export {
  WaitOutcome,
  type CustomHealth,
  type ObjectStatus,
  type StatusOptions,
  type WaitOptions,
  type WaitResult,
} from './wait.js';
export {
  objectId,
  inventoryEntry,
  inventoryOf,
  refFromEntry,
  diffInventory,
  type InventoryEntry,
} from './inventory.js';
export { ImmutableFieldError, UnknownKindError } from './errors.js';
export { sameObject, withoutServerNoise } from './normalize.js';
export { unifiedDiff } from './unified.js';

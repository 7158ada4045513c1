/**
 * @tide/runtime: the controller runtime every Tide controller shares — Manager, informers
 * and read caches, work queue, the reconcile loop (finalizer, suspend, reconcile requests,
 * typed errors → conditions + requeue), conditions, status patcher, events, Prometheus
 * metrics under Flux's names, health probes, leader election, JSON logs and the shared flags.
 */
export { Manager, LeadershipLostError, runManager, type ManagerOptions } from './manager.js';
export {
  finalizerName,
  reconcileRequestAnnotation,
  type Reconciler,
  type ReconcileContext,
  type Watch,
} from './reconciler.js';
export {
  Result,
  requeueAfter,
  resultOf,
  combineResults,
  runSteps,
  ReconcileError,
  StallingError,
  WaitingError,
  GenericError,
  type ReconcileResult,
  type Run,
  type Step,
} from './result.js';
export {
  refuseUnsupportedFields,
  unsupportedFieldReason,
  type FieldSupportCheck,
} from './field-support.js';
export { decideOutcome, describe, type Outcome, type Requeue, type Verdict } from './outcome.js';
export {
  conditionsOf,
  getCondition,
  isTrue,
  setCondition,
  markTrue,
  markFalse,
  deleteCondition,
  summarize,
  sortConditions,
  formatTime,
  type ConditionPolicy,
  type ConditionInput,
  type Summary,
} from './conditions.js';
export { type ReconcilableObject, type ReconcileStatus } from './object.js';
export {
  Informer,
  type InformerEvent,
  type InformerOptions,
  type InformerStats,
} from './informer.js';
export {
  WorkQueue,
  ItemBackoff,
  TokenBucket,
  defaultMinRetryDelayMs,
  defaultMaxRetryDelayMs,
  type QueueObserver,
  type WorkQueueOptions,
} from './queue.js';
export { StatusPatcher, diffStatus, type StatusPatcherOptions } from './patcher.js';
export {
  EventRecorder,
  EventCorrelator,
  EventType,
  type EventInput,
  type Correlation,
  type EventCorrelatorOptions,
  type EventRecorderOptions,
} from './events.js';
export { RuntimeMetrics, reconcileDurationBuckets } from './metrics.js';
export {
  LeaderElector,
  LeaderElectionConfigError,
  NotLeaderError,
  leaseKind,
  type LeaderElectionOptions,
  type LeadershipCallbacks,
} from './leader.js';
export {
  ExitCode,
  defaultCleanupTimeoutMs,
  exitProcess,
  guardProcess,
  type ExitOptions,
  type ProcessGuardOptions,
} from './process.js';
export {
  runControllerMain,
  type ControllerMain,
  type ControllerContext,
  type ControllerRun,
} from './main.js';
export { createLogger, LogLevel, isLogLevel, type Logger, type LoggerOptions } from './logger.js';
export {
  addRuntimeFlags,
  runtimeOptionsFrom,
  parseBoolean,
  type RuntimeFlagDefaults,
} from './flags.js';
export { defaultRuntimeOptions, type RuntimeOptions } from './options.js';
export { Controller, needsReconcile, stopGraceAfterAbortMs } from './controller.js';

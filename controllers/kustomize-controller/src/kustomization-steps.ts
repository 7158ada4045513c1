import { realpath } from 'node:fs/promises';
import { ConditionReason, ConditionType, type Kustomization } from '@tide/api';
import { messageOf, parseDuration, refOf, type Manifest } from '@tide/kube';
import {
  InvalidSpecError,
  SubstitutionError,
  compileDriftIgnoreRules,
  compileHealthCheckExprs,
  readData,
  readVariables,
  recordRun,
} from '@tide/kustomization';
import { KustomizeError, RemoteResourcesOff } from '@tide/kustomize';
import {
  GenericError,
  Result,
  StallingError,
  deleteCondition,
  markFalse,
  markTrue,
  type ReconcileResult,
  type Run,
} from '@tide/runtime';
import {
  ApplyError,
  inventoryOf,
  type CustomHealth,
  type DriftIgnoreRules,
  type InventoryEntry,
  type ResourceManager,
} from '@tide/ssa';
import {
  appliedBefore,
  applyChanges,
  ensureLeader,
  mergeInventories,
  pruneInventory,
  recordPendingInventory,
} from './apply-step.js';
import type { ArtifactCache, ArtifactLease } from './artifact-cache.js';
import { BuildLimitError, type BuildPool } from './build-pool.js';
import { checkDependencies } from './dependencies.js';
import { waitForHealth } from './health-step.js';
import type { ApplyIdentities } from './identity.js';
import { buildDirectory, resolveSource, type ResolvedSource } from './source.js';

/** What the Kustomization steps need from the controller: its flags and shared caches. */
export interface KustomizationEnvironment {
  readonly noCrossNamespaceRefs: boolean;
  /** How soon to look again at a dependency that is not ready (`--requeue-dependency`). */
  readonly requeueDependencyMs: number;
  /** `StrictPostBuildSubstitutions`: an undefined variable is an error. */
  readonly strictSubstitutions: boolean;
  /** `--no-remote-bases`: remote bases in a kustomization are refused, not fetched. */
  readonly noRemoteBases: boolean;
  /** How often health is polled during `wait`/`healthChecks`. */
  readonly healthPollIntervalMs: number;
  readonly identities: ApplyIdentities;
  readonly artifacts: ArtifactCache;
  /** Where builds run: worker processes with memory and time limits. */
  readonly builds: BuildPool;
}

/** What the steps of one Kustomization reconcile hand each other. */
export interface KustomizationState {
  readonly env: KustomizationEnvironment;
  readonly startedAt: Date;
  /** `spec.healthCheckExprs` and `spec.ignore`, compiled by reconcileSpec. */
  customHealth?: CustomHealth | undefined;
  ignoreRules?: DriftIgnoreRules | undefined;
  /** The source's artifact; set by reconcileSource. */
  source?: ResolvedSource;
  /** The artifact's extracted tree, held until the run ends; set by reconcileBuild. */
  lease?: ArtifactLease;
  /** The rendered objects, their digest and inventory; set by reconcileBuild. */
  objects: Manifest[];
  digest?: string;
  inventory: InventoryEntry[];
  /** The apply manager of the Kustomization's cluster and identity; set by reconcileApply. */
  resources?: ResourceManager;
  /** `spec.timeout` of this run, from the artifact fetch to the end of prune. */
  deadline?: Deadline;
}

export type KustomizationRun = Run<Kustomization, KustomizationState>;

/** A fresh state for one reconcile. */
export function kustomizationState(env: KustomizationEnvironment): KustomizationState {
  return { env, startedAt: new Date(), objects: [], inventory: [] };
}

/**
 * Compiles the CEL health expressions and the drift-ignore rules once; a spec that cannot
 * work stalls, naming the field. Fields Tide refuses (SOPS decryption, ...) were refused
 * before, by the support matrix step.
 */
export function reconcileSpec(run: KustomizationRun): Promise<ReconcileResult> {
  const spec = run.obj.spec;
  try {
    run.state.customHealth = compileHealthCheckExprs(spec);
    run.state.ignoreRules = compileDriftIgnoreRules(spec);
  } catch (error) {
    if (error instanceof InvalidSpecError)
      throw new StallingError(error.reason, error.message, { cause: error });
    throw error;
  }
  return Promise.resolve(Result.Empty);
}

/** `spec.dependsOn`: each dependency Ready (or its readyExpr true), else a wait. */
export function reconcileDependencies(run: KustomizationRun): Promise<ReconcileResult> {
  checkDependencies(run.obj, run.context, {
    noCrossNamespaceRefs: run.state.env.noCrossNamespaceRefs,
    requeueMs: run.state.env.requeueDependencyMs,
  });
  return Promise.resolve(Result.Empty);
}

/** Finds the source's artifact and records it as the revision being attempted. */
export function reconcileSource(run: KustomizationRun): Promise<ReconcileResult> {
  const source = resolveSource(run.obj, run.context, {
    noCrossNamespaceRefs: run.state.env.noCrossNamespaceRefs,
    retryMs: retryIntervalOf(run.obj),
  });
  run.state.source = source;
  (run.obj.status ??= {}).lastAttemptedRevision = source.artifact.revision;
  return Promise.resolve(Result.Empty);
}

/**
 * Takes the artifact's extracted tree from the cache and renders the Kustomization in the
 * build pool. The post-build variables are read here, as the Kustomization's identity; the
 * fetch and the build both end at `spec.timeout` or when the controller stops.
 */
export async function reconcileBuild(run: KustomizationRun): Promise<ReconcileResult> {
  const { obj, state } = run;
  if (state.source === undefined) return Result.Empty;
  const signal = AbortSignal.any([
    deadlineOf(run, 'artifact fetch and build').signal,
    run.context.signal,
  ]);
  const lease = await state.env.artifacts.acquire(state.source, signal);
  state.lease = lease;
  const dir = await buildDirectory(lease.root, obj.spec.path);
  const reader = state.env.identities.dataReader(obj, run.context.client);
  try {
    const variables = await readVariables(obj, (reference) =>
      readData(reader, obj.metadata.namespace ?? '', reference),
    );
    const built = await state.env.builds.build({
      obj,
      dir,
      confinementRoot: lease.root,
      variables,
      strictSubstitutions: state.env.strictSubstitutions,
      remoteBases: !state.env.noRemoteBases,
      signal,
    });
    state.objects = built.objects;
    state.digest = built.digest;
  } catch (error) {
    throw await buildFailure(error, lease.root);
  }
  state.inventory = inventoryOf(state.objects.map(refOf));
  return Result.Empty;
}

/** A build error as BuildFailed, with paths relative to the artifact as users know them. */
async function buildFailure(error: unknown, root: string): Promise<unknown> {
  if (error instanceof RemoteResourcesOff)
    return new GenericError(
      ConditionReason.BuildFailed,
      await relativeTo(
        root,
        `${error.origin}: remote base ${error.address} is refused: this controller runs with --no-remote-bases`,
      ),
      { cause: error },
    );
  if (
    error instanceof KustomizeError ||
    error instanceof SubstitutionError ||
    error instanceof BuildLimitError
  )
    return new GenericError(ConditionReason.BuildFailed, await relativeTo(root, error.message), {
      cause: error,
    });
  return error;
}

/** The engine names files by absolute path in the temp directory; users know them relative. */
async function relativeTo(root: string, message: string): Promise<string> {
  let text = message;
  for (const prefix of new Set([await realpath(root), root]))
    text = text.split(`${prefix}/`).join('');
  return text;
}

/**
 * Applies the objects and prunes what left the inventory within `spec.timeout`, records the
 * inventory, and sends one event listing what changed.
 */
export async function reconcileApply(run: KustomizationRun): Promise<ReconcileResult> {
  const { obj, state, context } = run;
  const source = state.source;
  if (source === undefined) return Result.Empty;
  const status = (obj.status ??= {});
  const previous = status.inventory?.entries ?? [];
  const resources = await state.env.identities.for(obj, context.client);
  state.resources = resources;
  const signal = AbortSignal.any([deadlineOf(run, 'apply and prune').signal, context.signal]);
  const changes = await applyAndPrune(run, resources, previous, signal);
  status.inventory = { entries: state.inventory };
  if (changes.length > 0) {
    await context.event({
      type: 'Normal',
      reason: ConditionReason.ReconciliationSucceeded,
      message: changes.join('\n'),
      annotations: { 'kustomize.toolkit.fluxcd.io/revision': source.artifact.revision },
    });
  }
  return Result.Empty;
}

/**
 * Applies the objects and prunes what left the inventory; on failure, records the
 * inventory of what may now exist and throws the reason.
 */
async function applyAndPrune(
  run: KustomizationRun,
  resources: ResourceManager,
  previous: readonly InventoryEntry[],
  signal: AbortSignal,
): Promise<string[]> {
  const { obj, state } = run;
  const status = (obj.status ??= {});
  ensureLeader(run.context, 'applying');
  await recordPendingInventory(obj, previous, state.inventory, run.context);
  let changes: string[];
  try {
    changes = await applyChanges(resources, state.objects, {
      force: obj.spec.force ?? false,
      signal,
      ignore: state.ignoreRules,
    });
  } catch (error) {
    // Objects created before the failure are ours too: keep them in the inventory. When
    // the apply was cut short, which ones is unknown: keep every one it may have created
    // (prune deletes only what carries our owner labels, and skips what is not there).
    const created = error instanceof ApplyError ? appliedBefore(error) : state.inventory;
    status.inventory = { entries: mergeInventories(previous, created) };
    throw new GenericError(ConditionReason.ReconciliationFailed, messageOf(error), {
      cause: error,
    });
  }
  if (!obj.spec.prune) return changes;
  ensureLeader(run.context, 'pruning');
  try {
    const pruned = await pruneInventory(resources, obj, previous, state.inventory, signal);
    return [...changes, ...pruned];
  } catch (error) {
    status.inventory = { entries: mergeInventories(state.inventory, previous) };
    throw new GenericError(ConditionReason.PruneFailed, messageOf(error), { cause: error });
  }
}

/** `wait` / `healthChecks`: Healthy, or HealthCheckFailed; then the revision is applied. */
export async function reconcileHealth(run: KustomizationRun): Promise<ReconcileResult> {
  const { obj, state, context } = run;
  const { source, resources } = state;
  if (source === undefined || resources === undefined) return Result.Empty;
  const spec = obj.spec;
  if (spec.wait === true || (spec.healthChecks ?? []).length > 0) {
    markTrue(
      obj,
      ConditionType.Reconciling,
      ConditionReason.Progressing,
      `health check of revision '${source.artifact.revision}' in progress`,
    );
    await context.patchStatus();
    const verdict = await waitForHealth(obj, state.objects, resources, {
      context,
      revision: source.artifact.revision,
      intervalMs: state.env.healthPollIntervalMs,
      customHealth: state.customHealth,
    });
    if (verdict.outcome === 'Aborted') return Result.Requeue;
    if (verdict.outcome !== 'Current') {
      markFalse(obj, ConditionType.Healthy, ConditionReason.HealthCheckFailed, verdict.message);
      throw new GenericError(ConditionReason.HealthCheckFailed, verdict.message);
    }
    markTrue(obj, ConditionType.Healthy, ConditionReason.Succeeded, 'Health check passed');
  } else {
    deleteCondition(obj, ConditionType.Healthy);
  }
  recordAppliedRevision(obj, source.artifact);
  return Result.Success;
}

/** The artifact metadata key that holds the revision of the source an artifact was built from. */
export const originRevisionKey = 'org.opencontainers.image.revision';

/**
 * After a successful apply: `lastAppliedRevision` is the artifact's revision and
 * `lastAppliedOriginRevision` its origin revision (metadata `org.opencontainers.image.revision`,
 * set by OCI sources), cleared when the artifact has none, as kustomize-controller does.
 */
export function recordAppliedRevision(
  obj: Kustomization,
  artifact: { readonly revision: string; readonly metadata?: Readonly<Record<string, string>> },
): void {
  const status = (obj.status ??= {});
  status.lastAppliedRevision = artifact.revision;
  const origin = artifact.metadata?.[originRevisionKey];
  if (origin === undefined || origin === '') delete status.lastAppliedOriginRevision;
  else status.lastAppliedOriginRevision = origin;
}

/** Records the run in `status.history` (once something was built) and releases the tree. */
export function finishRun(run: KustomizationRun, outcome: string): void {
  const { obj, state } = run;
  state.deadline?.clear();
  state.lease?.release();
  if (state.digest === undefined || state.source === undefined) return;
  const status = (obj.status ??= {});
  status.history = recordRun(status.history ?? [], {
    digest: state.digest,
    revision: state.source.artifact.revision,
    status: outcome,
    startedAt: state.startedAt,
    finishedAt: new Date(),
  });
}

/** `spec.retryInterval`, else `spec.interval`, in milliseconds. */
function retryIntervalOf(obj: Kustomization): number {
  return parseDuration(obj.spec.retryInterval ?? obj.spec.interval);
}

/** The run's deadline, started by its first step that needs one; `phase` names what runs now. */
function deadlineOf(run: KustomizationRun, phase: string): Deadline {
  const deadline = (run.state.deadline ??= new Deadline(run.obj));
  deadline.phase = phase;
  return deadline;
}

/**
 * `spec.timeout` (else `spec.interval`) as an abort signal: the artifact fetch, the build,
 * apply and prune of one reconcile must finish within it, and what is in flight when it
 * passes is ended with a message saying which phase did not finish.
 */
class Deadline {
  /** What the reconcile is doing, for the message: `apply and prune`. */
  phase = 'reconcile';
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(obj: Kustomization) {
    const text = obj.spec.timeout ?? obj.spec.interval;
    const field = obj.spec.timeout === undefined ? 'spec.interval' : 'spec.timeout';
    this.timer = setTimeout(() => {
      this.controller.abort(new Error(`${this.phase} did not finish within ${field} (${text})`));
    }, parseDuration(text));
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

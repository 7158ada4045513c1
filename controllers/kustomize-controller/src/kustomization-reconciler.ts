import { realpath } from 'node:fs/promises';
import { ConditionReason, ConditionType, type Kustomization } from '@tide/api';
import { sha256Digest } from '@tide/artifact';
import { KustomizeError, RemoteResourcesOff } from '@tide/kustomize';
import {
  GenericError,
  ReconcileError,
  Result,
  StallingError,
  deleteCondition,
  markFalse,
  markTrue,
  parseDuration,
  runSubReconcilers,
  type ConditionPolicy,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  type Watch,
} from '@tide/runtime';
import { ApplyError, inventoryOf, type ResourceManager, type InventoryEntry } from '@tide/ssa';
import { checkDependencies } from './dependencies.js';
import { recordRun } from './history.js';
import { appliedBefore, applyChanges, mergeInventories, pruneInventory } from './apply-step.js';
import { waitForHealth } from './health-step.js';
import { compileHealthCheckExprs } from './health-exprs.js';
import { compileDriftIgnoreRules } from './drift-ignore.js';
import { kustomizationKind, sourceKinds } from './kinds.js';
import { readData } from './postbuild.js';
import { renderKustomization } from './render.js';
import { ArtifactCache, type ArtifactLease } from './artifact-cache.js';
import { SubstitutionError } from './substitute.js';
import { buildDirectory, resolveSource, sourceRefOf, type ResolvedSource } from './source.js';
import { finalizeInventory } from './finalize.js';
import { ApplyIdentities } from './identity.js';
import { refOf, type Manifest } from '@tide/kube';

export interface KustomizationReconcilerOptions {
  readonly noCrossNamespaceRefs?: boolean;
  readonly artifactFetchRetries?: number;
  /** How soon to look again at a dependency that is not ready (`--requeue-dependency`). */
  readonly requeueDependencyMs: number;
  /** Where artifacts are extracted; the OS temp directory when omitted. */
  readonly workDir?: string;
  /** `StrictPostBuildSubstitutions`: an undefined variable is an error. */
  readonly strictSubstitutions?: boolean;
  /** How often health is polled during `wait`/`healthChecks`; 2s when omitted. */
  readonly healthPollIntervalMs?: number;
  /** Impersonated when a Kustomization names no `serviceAccountName`. */
  readonly defaultServiceAccount?: string | undefined;
  /** `--no-remote-bases`: remote bases in a kustomization are refused, not fetched. */
  readonly noRemoteBases?: boolean;
  /** `--insecure-kubeconfig-exec`: a `spec.kubeConfig` may run exec plugins. */
  readonly insecureKubeConfigExec?: boolean;
  /** `--insecure-kubeconfig-tls`: a `spec.kubeConfig` may skip TLS verification. */
  readonly insecureKubeConfigTls?: boolean;
}

export const fieldManager = 'kustomize-controller';

/**
 * Kustomization: the source's artifact, built with the spec's overlay and post-build
 * substitutions, applied with server-side apply; what left the set is pruned, health is
 * waited for when asked, and inventory, revisions and history go into status.
 */
export class KustomizationReconciler implements Reconciler<Kustomization> {
  readonly kind = kustomizationKind;
  readonly conditions: ConditionPolicy = {
    owned: [ConditionType.Healthy],
    negativePolarity: [],
  };
  /** A source's new artifact, and a dependency turning Ready, reconcile the users. */
  readonly watches: readonly Watch[] = [
    ...[...sourceKinds.values()].map((kind): Watch => ({
      kind,
      map: (changed, context) =>
        context
          .cache<Kustomization>(kustomizationKind)
          .list()
          .filter((ks) => {
            const ref = sourceRefOf(ks);
            return (
              ref.kind === kind.kind &&
              ref.name === changed.metadata.name &&
              ref.namespace === changed.metadata.namespace
            );
          })
          .map(keyOf),
    })),
    {
      kind: kustomizationKind,
      map: (changed, context) =>
        context
          .cache<Kustomization>(kustomizationKind)
          .list()
          .filter((ks) =>
            (ks.spec.dependsOn ?? []).some(
              (d) =>
                d.name === changed.metadata.name &&
                (d.namespace ?? ks.metadata.namespace) === changed.metadata.namespace,
            ),
          )
          .map(keyOf),
    },
  ];

  private readonly identities: ApplyIdentities;
  private readonly artifacts: ArtifactCache;

  constructor(private readonly options: KustomizationReconcilerOptions) {
    this.identities = new ApplyIdentities({
      fieldManager,
      defaultServiceAccount: options.defaultServiceAccount,
      remote: {
        allowExec: options.insecureKubeConfigExec ?? false,
        allowInsecureTls: options.insecureKubeConfigTls ?? false,
      },
    });
    this.artifacts = new ArtifactCache({
      workDir: options.workDir,
      retries: options.artifactFetchRetries ?? 9,
    });
  }

  successMessage(obj: Kustomization): string {
    return `Applied revision: ${obj.status?.lastAppliedRevision ?? ''}`;
  }

  async reconcile(obj: Kustomization, context: ReconcileContext): Promise<ReconcileResult> {
    const run = new KustomizationRun(obj, context, this.options, this.identities, this.artifacts);
    let outcome = ConditionReason.ReconciliationSucceeded as string;
    try {
      return await runSubReconcilers(obj, [
        run.reconcileSpec,
        run.reconcileDependencies,
        run.reconcileSource,
        run.reconcileBuild,
        run.reconcileApply,
        run.reconcileHealth,
      ]);
    } catch (error) {
      outcome = error instanceof ReconcileError ? error.reason : ConditionReason.Failed;
      throw error;
    } finally {
      run.recordHistory(outcome);
      run.cleanUp();
    }
  }

  /**
   * Deletes the inventory by `deletionPolicy`. When the remote cluster's kubeconfig can no
   * longer be read, its objects are left there (with a warning event) rather than keeping
   * the Kustomization from being deleted forever.
   */
  async finalize(obj: Kustomization, context: ReconcileContext): Promise<ReconcileResult> {
    let resources: ResourceManager;
    try {
      resources = await this.identities.for(obj, context.client);
    } catch (error) {
      if (!(error instanceof ReconcileError) || obj.spec.kubeConfig === undefined) throw error;
      await context.event({
        type: 'Warning',
        reason: 'PruneFailed',
        message: `objects in the remote cluster were not deleted: ${error.message}`,
      });
      return Result.Success;
    }
    await finalizeInventory(obj, resources);
    return Result.Success;
  }

  /** Drops the apply managers' pooled connections and the extracted artifacts. */
  async close(): Promise<void> {
    this.identities.close();
    await this.artifacts.close();
  }
}

function keyOf(obj: Kustomization): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/** `spec.retryInterval`, else `spec.interval`, in milliseconds. */
function retryIntervalOf(obj: Kustomization): number {
  return parseDuration(obj.spec.retryInterval ?? obj.spec.interval);
}

/** One reconcile of one Kustomization: the sub-reconcilers and what they hand each other. */
class KustomizationRun {
  private readonly startedAt = new Date();
  private source: ResolvedSource | undefined;
  private lease: ArtifactLease | undefined;
  private objects: Manifest[] = [];
  private digest: string | undefined;
  private inventory: InventoryEntry[] = [];
  /** `spec.healthCheckExprs`, compiled once per reconcile by reconcileSpec. */
  private customHealth: ReturnType<typeof compileHealthCheckExprs>;
  /** `spec.driftIgnoreRules`, compiled once per reconcile by reconcileSpec. */
  private ignoreRules: ReturnType<typeof compileDriftIgnoreRules>;
  /** The apply manager of the Kustomization's cluster and identity, once resolved. */
  private resources: ResourceManager | undefined;

  constructor(
    private readonly obj: Kustomization,
    private readonly context: ReconcileContext,
    private readonly options: KustomizationReconcilerOptions,
    private readonly identities: ApplyIdentities,
    private readonly artifacts: ArtifactCache,
  ) {}

  /** Refuses SOPS decryption; compiles the CEL health expressions and ignore rules (once). */
  readonly reconcileSpec = (): Promise<ReconcileResult> => {
    const spec = this.obj.spec;
    if (spec.decryption !== undefined)
      throw new StallingError('DecryptionFailed', 'SOPS decryption is not supported yet');
    this.customHealth = compileHealthCheckExprs(spec);
    this.ignoreRules = compileDriftIgnoreRules(spec);
    return Promise.resolve(Result.Empty);
  };

  readonly reconcileDependencies = (): Promise<ReconcileResult> => {
    checkDependencies(this.obj, this.context, {
      noCrossNamespaceRefs: this.options.noCrossNamespaceRefs ?? false,
      requeueMs: this.options.requeueDependencyMs,
    });
    return Promise.resolve(Result.Empty);
  };

  /** Finds the source's artifact and records it as the revision being attempted. */
  readonly reconcileSource = (): Promise<ReconcileResult> => {
    this.source = resolveSource(this.obj, this.context, {
      noCrossNamespaceRefs: this.options.noCrossNamespaceRefs ?? false,
      retryMs: retryIntervalOf(this.obj),
    });
    (this.obj.status ??= {}).lastAttemptedRevision = this.source.artifact.revision;
    return Promise.resolve(Result.Empty);
  };

  /** Takes the artifact's extracted tree from the cache and renders the Kustomization. */
  readonly reconcileBuild = async (): Promise<ReconcileResult> => {
    const source = this.source;
    if (source === undefined) return Result.Empty;
    this.lease = await this.artifacts.acquire(source);
    const dir = await buildDirectory(this.lease.root, this.obj.spec.path);
    try {
      this.objects = await renderKustomization(this.obj, dir, {
        readData: (reference) =>
          readData(this.context.client, this.obj.metadata.namespace ?? '', reference),
        strictSubstitutions: this.options.strictSubstitutions ?? false,
        remoteBases: !(this.options.noRemoteBases ?? false),
      });
    } catch (error) {
      if (error instanceof RemoteResourcesOff)
        throw new GenericError(
          ConditionReason.BuildFailed,
          await this.relative(
            `${error.origin}: remote base ${error.address} is refused: this controller runs with --no-remote-bases`,
          ),
          { cause: error },
        );
      if (error instanceof KustomizeError || error instanceof SubstitutionError)
        throw new GenericError(ConditionReason.BuildFailed, await this.relative(error.message), {
          cause: error,
        });
      throw error;
    }
    this.digest = sha256Digest(Buffer.from(JSON.stringify(this.objects)));
    this.inventory = inventoryOf(this.objects.map(refOf));
    return Result.Empty;
  };

  /** Applies the objects, prunes what left the inventory, records the inventory. */
  readonly reconcileApply = async (): Promise<ReconcileResult> => {
    const source = this.source;
    if (source === undefined) return Result.Empty;
    const status = (this.obj.status ??= {});
    const previous = status.inventory?.entries ?? [];
    const resources = await this.identities.for(this.obj, this.context.client);
    this.resources = resources;
    const deadline = new Deadline(this.obj, 'apply and prune');
    let changes: string[];
    try {
      const signal = AbortSignal.any([deadline.signal, this.context.signal]);
      changes = await this.applyAndPrune(resources, previous, signal);
    } finally {
      deadline.clear();
    }
    status.inventory = { entries: this.inventory };
    if (changes.length > 0) {
      await this.context.event({
        type: 'Normal',
        reason: ConditionReason.ReconciliationSucceeded,
        message: changes.join('\n'),
        annotations: { 'kustomize.toolkit.fluxcd.io/revision': source.artifact.revision },
      });
    }
    return Result.Empty;
  };

  /**
   * Applies the objects and prunes what left the inventory; on failure, records the
   * inventory of what may now exist and throws the reason.
   */
  private async applyAndPrune(
    resources: ResourceManager,
    previous: readonly InventoryEntry[],
    signal: AbortSignal,
  ): Promise<string[]> {
    const status = (this.obj.status ??= {});
    let changes: string[];
    try {
      changes = await applyChanges(resources, this.objects, {
        force: this.obj.spec.force ?? false,
        signal,
        ignore: this.ignoreRules,
      });
    } catch (error) {
      // Objects created before the failure are ours too: keep them in the inventory. When
      // the apply was cut short, which ones is unknown: keep every one it may have created
      // (prune deletes only what carries our owner labels, and skips what is not there).
      const created = error instanceof ApplyError ? appliedBefore(error) : this.inventory;
      status.inventory = { entries: mergeInventories(previous, created) };
      const message = error instanceof ApplyError ? error.message : describe(error);
      throw new GenericError(ConditionReason.ReconciliationFailed, message, { cause: error });
    }
    if (!this.obj.spec.prune) return changes;
    try {
      const pruned = await pruneInventory(resources, this.obj, previous, this.inventory, signal);
      return [...changes, ...pruned];
    } catch (error) {
      status.inventory = { entries: mergeInventories(this.inventory, previous) };
      throw new GenericError(ConditionReason.PruneFailed, describe(error), { cause: error });
    }
  }

  /** `wait` / `healthChecks`: Healthy, or HealthCheckFailed; then the revision is applied. */
  readonly reconcileHealth = async (): Promise<ReconcileResult> => {
    const source = this.source;
    const resources = this.resources;
    if (source === undefined || resources === undefined) return Result.Empty;
    const spec = this.obj.spec;
    if (spec.wait === true || (spec.healthChecks ?? []).length > 0) {
      markTrue(
        this.obj,
        ConditionType.Reconciling,
        ConditionReason.Progressing,
        `health check of revision '${source.artifact.revision}' in progress`,
      );
      await this.context.patchStatus();
      const verdict = await waitForHealth(this.obj, this.objects, resources, {
        context: this.context,
        revision: source.artifact.revision,
        intervalMs: this.options.healthPollIntervalMs ?? 2_000,
        customHealth: this.customHealth,
      });
      if (verdict.outcome === 'Aborted') return Result.Requeue;
      if (verdict.outcome !== 'Current') {
        markFalse(
          this.obj,
          ConditionType.Healthy,
          ConditionReason.HealthCheckFailed,
          verdict.message,
        );
        throw new GenericError(ConditionReason.HealthCheckFailed, verdict.message);
      }
      markTrue(this.obj, ConditionType.Healthy, ConditionReason.Succeeded, 'Health check passed');
    } else {
      deleteCondition(this.obj, ConditionType.Healthy);
    }
    (this.obj.status ??= {}).lastAppliedRevision = source.artifact.revision;
    return Result.Success;
  };

  /** The engine names files by absolute path in the temp directory; users know them relative. */
  private async relative(message: string): Promise<string> {
    const root = this.lease?.root;
    if (root === undefined) return message;
    let text = message;
    for (const prefix of new Set([await realpath(root), root]))
      text = text.split(`${prefix}/`).join('');
    return text;
  }

  recordHistory(outcome: string): void {
    if (this.digest === undefined || this.source === undefined) return;
    const status = (this.obj.status ??= {});
    status.history = recordRun(status.history ?? [], {
      digest: this.digest,
      revision: this.source.artifact.revision,
      status: outcome,
      startedAt: this.startedAt,
      finishedAt: new Date(),
    });
  }

  cleanUp(): void {
    this.lease?.release();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * `spec.timeout` (else `spec.interval`) as an abort signal: apply and prune of one reconcile
 * must finish within it, and what is in flight when it passes is ended with a message
 * saying so.
 */
class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(obj: Kustomization, what: string) {
    const text = obj.spec.timeout ?? obj.spec.interval;
    const field = obj.spec.timeout === undefined ? 'spec.interval' : 'spec.timeout';
    this.timer = setTimeout(() => {
      this.controller.abort(new Error(`${what} did not finish within ${field} (${text})`));
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

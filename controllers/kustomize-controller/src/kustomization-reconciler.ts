import {
  ConditionReason,
  ConditionType,
  fieldSupportCheck,
  KustomizationGVK,
  type Kustomization,
} from '@tide/api';
import {
  ReconcileError,
  Result,
  refuseUnsupportedFields,
  runSteps,
  type ConditionPolicy,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  type Watch,
} from '@tide/runtime';
import { fieldManager } from '@tide/kustomization';
import type { ResourceManager } from '@tide/ssa';
import { ArtifactCache } from './artifact-cache.js';
import { BuildPool, type BuildPoolOptions } from './build-pool.js';
import type { ArtifactHost } from './artifact-hosts.js';
import { finalizeInventory } from './finalize.js';
import { defaultBuildMemoryLimitMb, defaultBuildTimeoutMs, defaultBuildWorkers } from './flags.js';
import { ApplyIdentities } from './identity.js';
import { kustomizationKind, sourceKinds } from './kinds.js';
import {
  finishRun,
  kustomizationState,
  reconcileApply,
  reconcileBuild,
  reconcileDependencies,
  reconcileHealth,
  reconcileSource,
  reconcileSpec,
  type KustomizationEnvironment,
  type KustomizationRun,
} from './kustomization-steps.js';
import { sourceRefOf } from './source.js';

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
  /**
   * The build pool's workers, heap limit and time limit (`--build-workers`,
   * `--build-memory-limit`, `--build-timeout`); the flags' defaults when omitted.
   */
  readonly build?: Partial<BuildPoolOptions>;
  /** `--artifact-hosts`: artifact URLs on other hosts are refused; any host when omitted. */
  readonly artifactHosts?: readonly ArtifactHost[] | undefined;
}

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
  private readonly builds: BuildPool;
  private readonly env: KustomizationEnvironment;

  constructor(options: KustomizationReconcilerOptions) {
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
      artifactHosts: options.artifactHosts,
    });
    this.builds = new BuildPool({
      workers: options.build?.workers ?? defaultBuildWorkers,
      memoryLimitMb: options.build?.memoryLimitMb ?? defaultBuildMemoryLimitMb,
      timeoutMs: options.build?.timeoutMs ?? defaultBuildTimeoutMs,
      workDir: options.workDir,
      ...(options.build?.workerUrl === undefined ? {} : { workerUrl: options.build.workerUrl }),
    });
    this.env = {
      noCrossNamespaceRefs: options.noCrossNamespaceRefs ?? false,
      requeueDependencyMs: options.requeueDependencyMs,
      strictSubstitutions: options.strictSubstitutions ?? false,
      noRemoteBases: options.noRemoteBases ?? false,
      healthPollIntervalMs: options.healthPollIntervalMs ?? 2_000,
      identities: this.identities,
      artifacts: this.artifacts,
      builds: this.builds,
    };
  }

  successMessage(obj: Kustomization): string {
    return `Applied revision: ${obj.status?.lastAppliedRevision ?? ''}`;
  }

  async reconcile(obj: Kustomization, context: ReconcileContext): Promise<ReconcileResult> {
    const run: KustomizationRun = { obj, context, state: kustomizationState(this.env) };
    let outcome: string = ConditionReason.ReconciliationSucceeded;
    try {
      return await runSteps(run, [
        refuseUnsupportedFields(fieldSupportCheck(KustomizationGVK)),
        reconcileSpec,
        reconcileDependencies,
        reconcileSource,
        reconcileBuild,
        reconcileApply,
        reconcileHealth,
      ]);
    } catch (error) {
      outcome = error instanceof ReconcileError ? error.reason : ConditionReason.Failed;
      throw error;
    } finally {
      finishRun(run, outcome);
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
        reason: ConditionReason.PruneFailed,
        message: `objects in the remote cluster were not deleted: ${error.message}`,
      });
      return Result.Success;
    }
    await finalizeInventory(obj, resources, context);
    return Result.Success;
  }

  /** Drops the apply managers' pooled connections, the build workers and the extracted artifacts. */
  async close(): Promise<void> {
    this.identities.close();
    await this.builds.close();
    await this.artifacts.close();
  }
}

function keyOf(obj: Kustomization): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

import { ConditionType, fieldSupportCheck, type GroupVersionKind } from '@tide/api';
import type { Storage } from '@tide/artifact';
import { objectKey, type KindRef } from '@tide/kube';
import {
  refuseUnsupportedFields,
  runSteps,
  type ConditionPolicy,
  type ReconcilableObject,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  type Step,
  type Watch,
} from '@tide/runtime';
import { reconcileStorage, removeArtifacts, type SourceState } from './storage-step.js';

/** A source object: reconcilable, with the artifact the storage step reads and corrects. */
export type SourceObject = ReconcilableObject & { spec: object };

/**
 * What every source kind's reconciler shares: a run is the refusal of unsupported fields,
 * the storage step, then the kind's own steps over a fresh state; deleting the object
 * removes its artifacts. The conditions are the storage and artifact ones plus the kind's
 * own failures (negative polarity) and positive results.
 */
export abstract class SourceReconciler<
  T extends SourceObject,
  S extends SourceState,
> implements Reconciler<T> {
  readonly conditions: ConditionPolicy;
  private readonly refuseUnsupported: Step<T, S>;

  protected constructor(
    readonly kind: GroupVersionKind<string, string, string>,
    protected readonly storage: Storage,
    failures: readonly ConditionType[],
    results: readonly ConditionType[] = [],
  ) {
    const negativePolarity = [
      ConditionType.StorageOperationFailed,
      ...failures,
      ConditionType.ArtifactOutdated,
    ];
    this.conditions = {
      owned: [...negativePolarity, ConditionType.ArtifactInStorage, ...results],
      negativePolarity,
    };
    this.refuseUnsupported = refuseUnsupportedFields(fieldSupportCheck(kind));
  }

  abstract successMessage(obj: T): string;

  /** The state one run starts from. */
  protected abstract state(): S;

  /** The kind's own steps, after the storage step. */
  protected abstract readonly steps: readonly Step<T, S>[];

  reconcile(obj: T, context: ReconcileContext): Promise<ReconcileResult> {
    return runSteps({ obj, context, state: this.state() }, [
      this.refuseUnsupported,
      reconcileStorage,
      ...this.steps,
    ]);
  }

  finalize(obj: T): Promise<ReconcileResult> {
    return removeArtifacts(this.kind, obj, this.storage);
  }

  /**
   * A watch on `source` that reconciles this kind's objects in the changed object's
   * namespace for which `uses(candidate, changedName)` holds.
   */
  protected consumersOf(
    source: KindRef,
    uses: (candidate: T, changedName: string | undefined) => boolean,
  ): Watch {
    return {
      kind: source,
      map: (changed, context) =>
        context
          .cache<T>(this.kind)
          .list(changed.metadata.namespace)
          .filter((candidate) => uses(candidate, changed.metadata.name))
          .map(objectKey),
    };
  }
}

import { applyAll, applyObject, type ApplyOptions } from './apply.js';
import type { ChangeSet, ChangeSetEntry } from './changeset.js';
import type { Cancellable, KubeClient } from '@tide/kube';
import { getLive, type ManagerContext } from './context.js';
import { diffAll, diffObject, type ObjectDiff } from './diff.js';
import { ResourceMapper } from './discovery.js';
import type { Manifest, ObjectRef } from '@tide/kube';
import type { PlanOptions } from './plan.js';
import { deleteAll, type DeleteOptions } from './prune.js';
import {
  statusOf,
  waitFor,
  type ObjectStatus,
  type StatusOptions,
  type WaitOptions,
  type WaitResult,
} from './wait.js';

export interface ResourceManagerOptions {
  /**
   * The client every request goes through, with its identity (`client.impersonating(...)`
   * to act as a ServiceAccount) and request timeout.
   */
  readonly client: KubeClient;
  /** The SSA field manager, e.g. `kustomize-controller`. */
  readonly fieldManager: string;
  /**
   * Discovery to share between managers (say, one per impersonated ServiceAccount): what
   * the cluster serves is the same for every user. Each manager discovers on its own if absent.
   */
  readonly resourceMapper?: ResourceMapper;
}

/**
 * Server-side apply of object sets, split by verb: apply (staged, dry run first, change
 * set), diff, delete/prune, and health/wait. Objects are plain JSON throughout.
 */
export class ResourceManager {
  readonly #context: ManagerContext;

  constructor(options: ResourceManagerOptions) {
    const client = options.client;
    this.#context = {
      client,
      mapper: options.resourceMapper ?? new ResourceMapper(client),
      fieldManager: options.fieldManager,
    };
  }

  /** Applies a set in stages (definitions, classes, the rest); see applyAll. */
  apply(
    objects: readonly Manifest[],
    options: ApplyOptions & Cancellable = {},
  ): Promise<ChangeSet> {
    return abortable(() => applyAll(this.#bound(options.signal), objects, options), options.signal);
  }

  /** Applies one object on its own, without stages. */
  applyOne(object: Manifest, options: ApplyOptions & Cancellable = {}): Promise<ChangeSetEntry> {
    return abortable(
      () => applyObject(this.#bound(options.signal), object, options),
      options.signal,
    );
  }

  /** What applying `object` would change, as a unified YAML diff with Secrets masked. */
  diff(object: Manifest, options: PlanOptions = {}): Promise<ObjectDiff> {
    return diffObject(this.#context, object, options);
  }

  /** Diffs a set; custom resources of a CRD in the same set show as creations. */
  diffAll(objects: readonly Manifest[], options: PlanOptions = {}): Promise<ObjectDiff[]> {
    return diffAll(this.#context, objects, options);
  }

  /** Deletes (prunes) objects, honouring `prune: disabled` and owner labels. */
  delete(
    refs: readonly ObjectRef[],
    options: DeleteOptions & Cancellable = {},
  ): Promise<ChangeSet> {
    return abortable(() => deleteAll(this.#bound(options.signal), refs, options), options.signal);
  }

  /** The context with its client's requests bound to `signal`. */
  #bound(signal: AbortSignal | undefined): ManagerContext {
    if (signal === undefined) return this.#context;
    return { ...this.#context, client: this.#context.client.withSignal(signal) };
  }

  /** Each object's health right now (kstatus, or `customHealth` where it answers). */
  status(refs: readonly ObjectRef[], options: StatusOptions = {}): Promise<ObjectStatus[]> {
    return statusOf(this.#context, refs, options);
  }

  /** Polls until all objects are Current, one Failed, the timeout or the abort signal. */
  wait(objects: readonly (ObjectRef | Manifest)[], options: WaitOptions): Promise<WaitResult> {
    return waitFor(this.#context, objects, options);
  }

  /** The live object, or undefined when it does not exist. */
  get(ref: ObjectRef): Promise<Manifest | undefined> {
    return getLive(this.#context, ref);
  }
}

/**
 * Runs `work`, ending with the signal's reason as soon as it aborts (and not starting when it
 * already has). The verb's own requests end with it (their client is bound to the signal);
 * this also ends waits on what is shared, such as discovery, which carries on for others.
 */
function abortable<T>(work: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work();
  const reason = () =>
    signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
  if (signal.aborted) return Promise.reject(reason());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(reason());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work()
      .then(resolve, reject)
      .finally(() => {
        signal.removeEventListener('abort', onAbort);
      });
  });
}

import { Action } from './changeset.js';
import { getLive, resourceFor, serverApply, type ManagerContext } from './context.js';
import type { ResourceInfo } from './discovery.js';
import { ImmutableFieldError } from './errors.js';
import { removeFieldPath } from './fieldpath.js';
import {
  ignoresWholeObject,
  keepLiveValues,
  withoutIgnored,
  type DriftIgnoreRules,
} from './ignore.js';
import { takeOverFields, type FieldManagerRef } from './takeover.js';
import { sameObject } from './normalize.js';
import {
  annotationOf,
  groupOf,
  isPlainObject,
  refOf,
  subjectOf,
  type Manifest,
  ApiError,
} from '@tide/kube';

/** The annotations Flux users put on objects to steer the apply; we honour the same keys. */
export const Annotations = {
  ssa: 'kustomize.toolkit.fluxcd.io/ssa',
  force: 'kustomize.toolkit.fluxcd.io/force',
  prune: 'kustomize.toolkit.fluxcd.io/prune',
  reconcile: 'kustomize.toolkit.fluxcd.io/reconcile',
} as const;

/** Values of the `kustomize.toolkit.fluxcd.io/ssa` annotation. */
export const ApplyPolicy = {
  Override: 'Override',
  Merge: 'Merge',
  IfNotPresent: 'IfNotPresent',
  Ignore: 'Ignore',
} as const;
export type ApplyPolicy = (typeof ApplyPolicy)[keyof typeof ApplyPolicy];

/** What applying one object would do, worked out with a server-side dry run. */
export type Plan =
  | { readonly kind: 'skip'; readonly reason: string }
  | {
      readonly kind: 'apply';
      readonly info: ResourceInfo;
      readonly policy: ApplyPolicy;
      /** The body to send: the object minus fields Merge leaves to other managers. */
      readonly body: Manifest;
      readonly live: Manifest | undefined;
      /** The object as the dry run says it would be; the desired object when recreating. */
      readonly result: Manifest;
      readonly action: typeof Action.Created | typeof Action.Configured | typeof Action.Unchanged;
      /** Immutable fields that force a delete and re-create; empty when none. */
      readonly recreate: readonly string[];
      /** Fields Merge left to other managers; empty when none. */
      readonly yielded: readonly string[];
    };

export interface PlanOptions {
  /** Recreate objects whose immutable fields changed (also per object: force annotation). */
  readonly force?: boolean;
  /**
   * Paths of existing objects the apply leaves as they are in the cluster (Flux's
   * `ignore`): their live values are applied, and a difference there, in value or
   * ownership, is no change. A new object is applied whole; a rule with the empty pointer
   * skips an existing object entirely.
   */
  readonly ignore?: DriftIgnoreRules | undefined;
}

/** What only a real apply does before its dry run: the one write planning may make. */
interface ApplyPlanOptions extends PlanOptions {
  /** Managers whose fields an Override apply takes over first (see takeover.ts). */
  readonly takeOverManagers?: readonly FieldManagerRef[];
}

/** Reads the ssa annotation; an unknown value is an error, not a silent default. */
export function policyOf(object: Manifest): ApplyPolicy {
  const value = annotationOf(object, Annotations.ssa);
  if (value === undefined || value === '') return ApplyPolicy.Override;
  const policy = Object.values(ApplyPolicy).find((p) => p.toLowerCase() === value.toLowerCase());
  if (policy === undefined) {
    throw new TypeError(
      `${subjectOf(object)}: annotation ${Annotations.ssa}: ${JSON.stringify(value)} is not one of ` +
        Object.values(ApplyPolicy).join(', '),
    );
  }
  return policy;
}

/**
 * Works out what applying `object` would do. Nothing changes in the cluster, except that
 * an apply (which passes takeOverManagers) first moves kubectl's fields to us on Override.
 */
export async function planObject(
  context: ManagerContext,
  object: Manifest,
  options: ApplyPlanOptions,
): Promise<Plan> {
  const policy = policyOf(object);
  if (policy === ApplyPolicy.Ignore) return { kind: 'skip', reason: `${Annotations.ssa}: Ignore` };
  const info = await resourceFor(context, refOf(object));
  if (info.namespaced && (object.metadata.namespace ?? '') === '')
    throw new TypeError(`${subjectOf(object)}: ${object.kind} is namespaced but has no namespace`);
  let live = await getLive(context, refOf(object), info);
  if (policy === ApplyPolicy.IfNotPresent && live !== undefined)
    return { kind: 'skip', reason: `${Annotations.ssa}: IfNotPresent and the object exists` };
  const ignored = live === undefined ? [] : (options.ignore?.pointersFor(object) ?? []);
  if (ignoresWholeObject(ignored))
    return { kind: 'skip', reason: 'a drift ignore rule ignores the whole object' };
  const takeOver = options.takeOverManagers ?? [];
  if (live !== undefined && policy === ApplyPolicy.Override && takeOver.length > 0)
    live = (await takeOverFields(context, live, info, takeOver)) ?? live;
  const body = applyBody(object);
  if (live !== undefined) keepLiveValues(body, live, ignored);
  const yielded: string[] = [];
  try {
    const result = await dryRun(context, body, info, policy, yielded);
    const action =
      live === undefined
        ? Action.Created
        : sameObject(withoutIgnored(live, ignored), withoutIgnored(result, ignored))
          ? Action.Unchanged
          : Action.Configured;
    return { kind: 'apply', info, policy, body, live, result, action, recreate: [], yielded };
  } catch (error) {
    const fields = immutableFields(error);
    if (fields === undefined || live === undefined) throw error;
    if (!recreateAllowed(object, options)) {
      throw new ImmutableFieldError(
        subjectOf(object),
        fields,
        `${subjectOf(object)}: immutable field ${fields.join(', ')} cannot change ` +
          `(${(error as ApiError).serverMessage}); enable force, or annotate the object ` +
          `${Annotations.force}: enabled, to delete and recreate it`,
        { cause: error },
      );
    }
    return {
      kind: 'apply',
      info,
      policy,
      body,
      live,
      result: body,
      action: Action.Configured,
      recreate: fields,
      yielded,
    };
  }
}

function recreateAllowed(object: Manifest, options: PlanOptions): boolean {
  return (
    options.force === true || annotationOf(object, Annotations.force)?.toLowerCase() === 'enabled'
  );
}

/** The object without server-written metadata a copied manifest may carry. */
function applyBody(object: Manifest): Manifest {
  const body = structuredClone(object);
  for (const key of ['resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields'])
    Reflect.deleteProperty(body.metadata, key);
  if (groupOf(body.apiVersion) === '' && body.kind === 'Secret') stringDataToData(body);
  return body;
}

/**
 * Secret `stringData` is write-only: the server folds it into `data`, but the apply would
 * own `stringData` keys, so a key dropped from the manifest would stay in `data` for ever.
 * Sending it as `data` (stringData wins on a shared key, as the server does) makes us own
 * the keys we set.
 */
function stringDataToData(secret: Manifest): void {
  if (!isPlainObject(secret.stringData)) return;
  const data: Record<string, unknown> = isPlainObject(secret.data) ? secret.data : {};
  for (const [key, value] of Object.entries(secret.stringData))
    if (typeof value === 'string') data[key] = Buffer.from(value, 'utf8').toString('base64');
  secret.data = data;
  delete secret.stringData;
}

/**
 * The dry run. Override takes every field it sets (force). Merge never takes a field that
 * another manager owns with a different value: the server names those fields in a
 * conflict, we drop them from the body and ask again, so the cluster's value stays.
 */
async function dryRun(
  context: ManagerContext,
  body: Manifest,
  info: ResourceInfo,
  policy: ApplyPolicy,
  yielded: string[],
): Promise<Manifest> {
  const force = policy !== ApplyPolicy.Merge;
  for (let attempt = 0; ; attempt++) {
    try {
      return await serverApply(context, body, info, { dryRun: true, force });
    } catch (error) {
      if (force || !(error instanceof ApiError) || error.status !== 409 || attempt >= 5)
        throw error;
      const fields = error.causes.flatMap((cause) =>
        cause.field === undefined ? [] : [cause.field],
      );
      const removed = fields.filter((field) => removeFieldPath(body, field));
      if (removed.length === 0) throw error;
      yielded.push(...removed);
    }
  }
}

const immutablePatterns = [/immutable/i, /may not change/i, /cannot (be )?change/i];

/**
 * The fields an Invalid answer says cannot change; undefined for any other error, and
 * when the answer also names other problems (recreating would not fix those).
 */
export function immutableFields(error: unknown): string[] | undefined {
  if (!(error instanceof ApiError) || error.status !== 422) return undefined;
  const isImmutable = (message: string): boolean =>
    immutablePatterns.some((pattern) => pattern.test(message));
  if (error.causes.length === 0)
    return isImmutable(error.serverMessage) ? ['(unnamed)'] : undefined;
  if (!error.causes.every((cause) => isImmutable(cause.message ?? ''))) return undefined;
  return [...new Set(error.causes.map((cause) => cause.field ?? '(unnamed)'))];
}

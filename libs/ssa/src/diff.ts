import { stringify } from 'yaml';
import { Action } from './changeset.js';
import type { ManagerContext } from './context.js';
import { UnknownKindError } from './errors.js';
import { forDisplay } from './normalize.js';
import {
  fieldOf,
  groupOf,
  isPlainObject,
  refOf,
  subjectOf,
  type Manifest,
  type ObjectRef,
  ApiError,
} from '@tide/kube';
import { planObject, type PlanOptions } from './plan.js';
import { mapAll } from './poll.js';
import { unifiedDiff } from './unified.js';

/** What `tide diff` prints for one object. */
export interface ObjectDiff {
  readonly subject: string;
  readonly ref: ObjectRef;
  readonly action: Action;
  /** A unified diff of YAML, live (`a/`) against what an apply would make (`b/`); empty when unchanged or skipped. */
  readonly diff: string;
  readonly reason?: string;
}

/** Masks shown instead of Secret values: same value on both sides, or a changed one. */
export const secretMask = '***';
export const changedSecretMask = '*** (changed)';

/**
 * Compares the live object with a server-side dry run of applying `object`. Nothing in
 * the cluster changes. Secret `data` and `stringData` values never appear: each value is
 * masked, with a distinct mask on the new side when it changed.
 */
export async function diffObject(
  context: ManagerContext,
  object: Manifest,
  options: PlanOptions = {},
): Promise<ObjectDiff> {
  const ref = refOf(object);
  const subject = subjectOf(ref);
  let plan;
  try {
    plan = await planObject(context, object, options);
  } catch (error) {
    if (!namespaceMissing(error)) throw error;
    // A namespace the same set would create.
    return asGiven(object, `namespace ${ref.namespace ?? ''} does not exist yet`);
  }
  if (plan.kind === 'skip')
    return { subject, ref, action: Action.Skipped, diff: '', reason: plan.reason };
  const before = plan.live === undefined ? undefined : forDisplay(plan.live);
  const after = forDisplay(plan.result);
  if (isSecret(object)) maskSecrets(before, after);
  const diff =
    plan.action === Action.Unchanged
      ? ''
      : unifiedDiff(before === undefined ? '' : stringify(before), stringify(after), {
          before: `a/${subject}`,
          after: `b/${subject}`,
        });
  return {
    subject,
    ref,
    action: plan.action,
    diff,
    ...(plan.recreate.length > 0
      ? { reason: `would recreate: immutable field ${plan.recreate.join(', ')} changed` }
      : {}),
  };
}

/**
 * Diffs a whole set, as `tide diff` does. A custom resource whose CRD is in the same set
 * (so not served yet) is shown as a creation of the object as given, like an object in a
 * namespace the set creates.
 */
export async function diffAll(
  context: ManagerContext,
  objects: readonly Manifest[],
  options: PlanOptions = {},
): Promise<ObjectDiff[]> {
  const pendingKinds = new Set(
    objects.flatMap((object) => {
      if (groupOf(object.apiVersion) !== 'apiextensions.k8s.io') return [];
      if (object.kind !== 'CustomResourceDefinition') return [];
      const group = fieldOf(object, ['spec', 'group']);
      const kind = fieldOf(object, ['spec', 'names', 'kind']);
      return typeof group === 'string' && typeof kind === 'string' ? [`${group}/${kind}`] : [];
    }),
  );
  return mapAll(objects, 4, async (object) => {
    try {
      return await diffObject(context, object, options);
    } catch (error) {
      const key = `${groupOf(object.apiVersion)}/${object.kind}`;
      if (!(error instanceof UnknownKindError) || !pendingKinds.has(key)) throw error;
      return asGiven(object, 'its CustomResourceDefinition is in the same set and not applied yet');
    }
  });
}

/** A creation shown from the object as given, when the server cannot dry-run it yet. */
function asGiven(object: Manifest, why: string): ObjectDiff {
  const ref = refOf(object);
  const subject = subjectOf(ref);
  const after = forDisplay(object);
  if (isSecret(object)) maskSecrets(undefined, after);
  return {
    subject,
    ref,
    action: Action.Created,
    diff: unifiedDiff('', stringify(after), { before: `a/${subject}`, after: `b/${subject}` }),
    reason: `${why}; shown as given, without a dry run`,
  };
}

function namespaceMissing(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    error.status === 404 &&
    error.serverMessage.startsWith('namespaces "')
  );
}

function isSecret(object: Manifest): boolean {
  return groupOf(object.apiVersion) === '' && object.kind === 'Secret';
}

function maskSecrets(before: Manifest | undefined, after: Manifest): void {
  for (const field of ['data', 'stringData']) {
    const old = before?.[field];
    const next = after[field];
    const oldValues: Record<string, unknown> = isPlainObject(old) ? { ...old } : {};
    if (isPlainObject(next)) {
      for (const key of Object.keys(next)) {
        const changed = before !== undefined && oldValues[key] !== next[key];
        next[key] = changed ? changedSecretMask : secretMask;
      }
    }
    if (isPlainObject(old)) for (const key of Object.keys(old)) old[key] = secretMask;
  }
}

import { Action, changeSetEntry, type ChangeSet, type ChangeSetEntry } from './changeset.js';
import { deleteLive, getLive, serverApply, type ManagerContext } from './context.js';
import { UnknownKindError } from './errors.js';
import { computeHealth, HealthStatus } from './health.js';
import { assertManifest, fieldOf, groupOf, refOf, subjectOf, type Manifest } from '@tide/kube';
import { ApplyPolicy, planObject, type PlanOptions } from './plan.js';
import { mapLimited, pollUntil } from './poll.js';
import { defaultTakeOverManagers, type FieldManagerRef } from './takeover.js';

export interface ApplyOptions extends PlanOptions {
  /**
   * Managers whose fields an Override apply takes over before applying, so fields they set
   * and the manifest dropped are removed; `[]` turns this off. Default: what kubectl
   * leaves behind (defaultTakeOverManagers).
   */
  readonly takeOverManagers?: readonly FieldManagerRef[];
  /** How long to wait for CRDs to be Established, and for a recreated object to go. */
  readonly waitTimeoutMs?: number;
  /** Objects applied at once within a stage. */
  readonly concurrency?: number;
}

/** Some objects failed; the change set says what did happen, `failures` what did not. */
export class ApplyError extends Error {
  override readonly name = 'ApplyError';
  constructor(
    readonly changeSet: ChangeSet,
    readonly failures: readonly { readonly subject: string; readonly error: Error }[],
  ) {
    super(failures.map((failure) => failure.error.message).join('; '));
  }
}

const crdKind = 'apiextensions.k8s.io/CustomResourceDefinition';
const definitionKinds = new Set([crdKind, '/Namespace', 'rbac.authorization.k8s.io/ClusterRole']);

/**
 * The stages of an apply: definitions (CRDs, Namespaces, ClusterRoles), then class kinds
 * (`StorageClass`, `IngressClass`, a `GatewayClass` whose CRD came in the first stage),
 * then everything else. Order inside a stage is the caller's.
 */
export function applyStages(objects: readonly Manifest[]): Manifest[][] {
  const definitions: Manifest[] = [];
  const classes: Manifest[] = [];
  const rest: Manifest[] = [];
  for (const object of objects) {
    const key = `${groupOf(object.apiVersion)}/${object.kind}`;
    if (definitionKinds.has(key)) definitions.push(object);
    else if (object.kind.endsWith('Class')) classes.push(object);
    else rest.push(object);
  }
  return [definitions, classes, rest].filter((stage) => stage.length > 0);
}

/**
 * Applies a set in stages, waiting after the definitions stage until its CRDs are
 * Established and their kinds discoverable, so a set may hold a CRD and its resources.
 * A stage with failures stops the apply: later stages usually depend on it.
 */
export async function applyAll(
  context: ManagerContext,
  objects: readonly Manifest[],
  options: ApplyOptions = {},
): Promise<ChangeSet> {
  objects.forEach((object, index) => {
    assertManifest(object, `object ${index + 1}`);
  });
  assertNoDuplicates(objects);
  const entries: ChangeSetEntry[] = [];
  for (const stage of applyStages(objects)) {
    const results = await mapLimited(stage, options.concurrency ?? 4, (object) =>
      applyObject(context, object, options),
    );
    const failures: { subject: string; error: Error }[] = [];
    for (const result of results) {
      if (result.status === 'fulfilled') entries.push(result.value);
      else failures.push({ subject: subjectOf(result.item), error: asError(result.reason) });
    }
    if (failures.length > 0) throw new ApplyError({ entries }, failures);
    const crds = stage.filter(
      (object) => `${groupOf(object.apiVersion)}/${object.kind}` === crdKind,
    );
    await waitForCrds(context, crds, options.waitTimeoutMs ?? 60_000);
  }
  return { entries };
}

/** Applies one object: dry run, classify, then apply only when something changes. */
export async function applyObject(
  context: ManagerContext,
  object: Manifest,
  options: ApplyOptions,
): Promise<ChangeSetEntry> {
  const ref = refOf(object);
  const plan = await planObject(context, object, {
    ...options,
    takeOverManagers: options.takeOverManagers ?? defaultTakeOverManagers,
  });
  if (plan.kind === 'skip') return changeSetEntry(ref, Action.Skipped, plan.reason);
  if (plan.action === Action.Unchanged) return changeSetEntry(ref, Action.Unchanged);
  const force = plan.policy !== ApplyPolicy.Merge;
  if (plan.recreate.length > 0) {
    await deleteLive(context, ref, plan.info);
    await waitUntilGone(context, object, options.waitTimeoutMs ?? 60_000);
    await serverApply(context, plan.body, plan.info, { dryRun: false, force });
    return changeSetEntry(
      ref,
      Action.Configured,
      `recreated: immutable field ${plan.recreate.join(', ')} changed`,
    );
  }
  await serverApply(context, plan.body, plan.info, { dryRun: false, force });
  const yielded =
    plan.yielded.length > 0 ? `kept other managers' fields ${plan.yielded.join(', ')}` : undefined;
  return changeSetEntry(ref, plan.action, yielded);
}

async function waitUntilGone(
  context: ManagerContext,
  object: Manifest,
  timeoutMs: number,
): Promise<void> {
  const ref = refOf(object);
  const gone = await pollUntil(
    async () => ((await getLive(context, ref)) === undefined ? true : undefined),
    { timeoutMs, intervalMs: 250 },
  );
  if ('end' in gone)
    throw new Error(
      `${subjectOf(ref)}: still present ${timeoutMs}ms after deleting it to recreate it`,
    );
}

/** Waits until each CRD is Established and the kinds it defines resolve through discovery. */
async function waitForCrds(
  context: ManagerContext,
  crds: readonly Manifest[],
  timeoutMs: number,
): Promise<void> {
  for (const crd of crds) {
    const subject = subjectOf(crd);
    const ready = await pollUntil(
      async () => {
        const live = await getLive(context, refOf(crd));
        if (live === undefined) return undefined;
        const health = computeHealth(live);
        if (health.status === HealthStatus.Failed)
          throw new Error(`${subject}: not accepted: ${health.message}`);
        return health.status === HealthStatus.Current ? true : undefined;
      },
      { timeoutMs, intervalMs: 200 },
    );
    if ('end' in ready) throw new Error(`${subject}: not Established after ${timeoutMs}ms`);
    await waitForKinds(context, crd, timeoutMs);
  }
}

async function waitForKinds(
  context: ManagerContext,
  crd: Manifest,
  timeoutMs: number,
): Promise<void> {
  const group = fieldOf(crd, ['spec', 'group']);
  const kind = fieldOf(crd, ['spec', 'names', 'kind']);
  const versions = fieldOf(crd, ['spec', 'versions']);
  if (typeof group !== 'string' || typeof kind !== 'string' || !Array.isArray(versions)) return;
  for (const version of versions) {
    const name = fieldOf(version, ['name']);
    if (typeof name !== 'string' || fieldOf(version, ['served']) === false) continue;
    const resolved = await pollUntil(
      async () => {
        try {
          return await context.mapper.resolve(`${group}/${name}`, kind);
        } catch (error) {
          if (error instanceof UnknownKindError) return undefined;
          throw error;
        }
      },
      { timeoutMs, intervalMs: 200 },
    );
    if ('end' in resolved)
      throw new Error(
        `${subjectOf(crd)}: ${kind} in ${group}/${name} not discoverable after ${timeoutMs}ms`,
      );
  }
}

function assertNoDuplicates(objects: readonly Manifest[]): void {
  const seen = new Set<string>();
  for (const object of objects) {
    const key = `${groupOf(object.apiVersion)}/${subjectOf(object)}`;
    if (seen.has(key))
      throw new TypeError(`${subjectOf(object)} appears more than once in the set`);
    seen.add(key);
  }
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

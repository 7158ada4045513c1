import { ConditionReason, type Kustomization } from '@tide/api';
import { GenericError, type ReconcileContext } from '@tide/runtime';
import type { CustomHealth, ResourceManager, WaitResult } from '@tide/ssa';
import { sourceKinds } from './kinds.js';
import { sourceRefOf, type SourceObject } from './source.js';
import type { Manifest, ObjectRef } from '@tide/kube';
import { parseDuration } from '@tide/kube';

/** How often the source's revision is looked at while a health wait runs. */
const revisionPollMs = 250;

/**
 * Waits until the objects to check are healthy: every applied object with `wait: true`,
 * else the `healthChecks` references. Bounded by `spec.timeout` (the interval when unset);
 * a new artifact revision of the source ends the wait at once (outcome `Aborted`) so the
 * new revision is applied without waiting out the timeout. `customHealth` (the compiled
 * `healthCheckExprs`) judges the kinds it names instead of kstatus.
 */
export async function waitForHealth(
  obj: Kustomization,
  applied: readonly Manifest[],
  resources: ResourceManager,
  options: {
    context: ReconcileContext;
    revision: string;
    intervalMs: number;
    customHealth?: CustomHealth | undefined;
  },
): Promise<WaitResult> {
  const targets = obj.spec.wait === true ? applied : healthCheckRefs(obj, applied);
  const newRevision = new AbortController();
  const ref = sourceRefOf(obj);
  const kind = sourceKinds.get(ref.kind);
  const timer = setInterval(() => {
    if (kind === undefined) return;
    const source = options.context.cache<SourceObject>(kind).get(ref.namespace, ref.name);
    const revision = source?.status?.artifact?.revision;
    if (revision !== undefined && revision !== options.revision) newRevision.abort();
  }, revisionPollMs);
  try {
    return await resources.wait(targets, {
      timeoutMs: parseDuration(obj.spec.timeout ?? obj.spec.interval),
      intervalMs: options.intervalMs,
      signal: AbortSignal.any([newRevision.signal, options.context.signal]),
      ...(options.customHealth === undefined ? {} : { customHealth: options.customHealth }),
    });
  } finally {
    clearInterval(timer);
  }
}

/**
 * `healthChecks` as references. An entry without `apiVersion` takes it from the applied
 * object of the same kind and name; one that matches none must say its apiVersion.
 */
function healthCheckRefs(obj: Kustomization, applied: readonly Manifest[]): ObjectRef[] {
  return (obj.spec.healthChecks ?? []).map((check) => {
    const namespace = check.namespace ?? obj.metadata.namespace ?? '';
    const apiVersion =
      check.apiVersion ??
      applied.find(
        (o) =>
          o.kind === check.kind &&
          o.metadata.name === check.name &&
          (o.metadata.namespace ?? '') === namespace,
      )?.apiVersion;
    if (apiVersion === undefined)
      throw new GenericError(
        ConditionReason.HealthCheckFailed,
        `health check ${check.kind}/${namespace}/${check.name}: apiVersion is required for an object this Kustomization does not apply`,
      );
    return { apiVersion, kind: check.kind, name: check.name, namespace };
  });
}

import { ConditionReason, type Kustomization } from '@tide/api';
import { StallingError, WaitingError, type Informer } from '@tide/runtime';
import { sourceRefOf, type SourceLookup } from './source.js';
import { kustomizationKind, sourceKinds } from './kinds.js';
import type { SourceObject } from './source.js';

/**
 * `dependsOn`: every dependency must exist and be Ready at its current generation; one that
 * builds from the same source must also have applied that source's current revision (so B
 * never runs ahead of A on a new commit). Otherwise a wait of `requeueMs`.
 */
export function checkDependencies(
  obj: Kustomization,
  lookup: SourceLookup,
  options: { noCrossNamespaceRefs: boolean; requeueMs: number },
): void {
  const cache: Informer<Kustomization> = lookup.cache(kustomizationKind);
  const ownNamespace = obj.metadata.namespace ?? '';
  for (const dependency of obj.spec.dependsOn ?? []) {
    const namespace = dependency.namespace ?? ownNamespace;
    const display = `${namespace}/${dependency.name}`;
    if (options.noCrossNamespaceRefs && namespace !== ownNamespace)
      throw new StallingError(
        ConditionReason.AccessDenied,
        `cannot depend on Kustomization ${display}: cross-namespace references have been disabled`,
      );
    if (dependency.readyExpr !== undefined)
      throw new StallingError(
        ConditionReason.DependencyNotReady,
        `dependency ${display}: readyExpr is not supported yet`,
      );
    const notReady = (why: string) =>
      new WaitingError(
        ConditionReason.DependencyNotReady,
        `dependency '${display}' ${why}`,
        options.requeueMs,
      );
    const found = cache.get(namespace, dependency.name);
    if (found === undefined) throw notReady('not found');
    const ready = found.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True' || found.status?.observedGeneration !== found.metadata.generation)
      throw notReady('is not ready');
    const revision = sameSourceRevision(obj, found, lookup);
    if (revision !== undefined && found.status?.lastAppliedRevision !== revision)
      throw notReady(`has not applied revision '${revision}' yet`);
  }
}

/** The current artifact revision when the dependency builds from the same source. */
function sameSourceRevision(
  obj: Kustomization,
  dependency: Kustomization,
  lookup: SourceLookup,
): string | undefined {
  const mine = sourceRefOf(obj);
  const theirs = sourceRefOf(dependency);
  if (mine.kind !== theirs.kind || mine.namespace !== theirs.namespace) return undefined;
  if (mine.name !== theirs.name) return undefined;
  const kind = sourceKinds.get(mine.kind);
  if (kind === undefined) return undefined;
  return lookup.cache<SourceObject>(kind).get(mine.namespace, mine.name)?.status?.artifact
    ?.revision;
}

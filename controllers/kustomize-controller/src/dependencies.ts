import { ConditionReason, type Kustomization } from '@tide/api';
import { CelError, compile, type CelProgram } from '@tide/cel';
import { StallingError, WaitingError, type Informer } from '@tide/runtime';
import { sourceRefOf, type SourceLookup } from './source.js';
import { kustomizationKind, sourceKinds } from './kinds.js';
import type { SourceObject } from './source.js';

/**
 * `dependsOn`: every dependency must exist and be Ready at its current generation; one that
 * builds from the same source must also have applied that source's current revision (so B
 * never runs ahead of A on a new commit). A `readyExpr` replaces those checks, as in Flux:
 * the dependency is ready when the expression (over `self` and `dep`) is true. Otherwise a
 * wait of `requeueMs`; a readyExpr that does not compile stalls with InvalidCELExpression.
 */
export function checkDependencies(
  obj: Kustomization,
  lookup: SourceLookup,
  options: { noCrossNamespaceRefs: boolean; requeueMs: number },
): void {
  const cache: Informer<Kustomization> = lookup.cache(kustomizationKind);
  const ownNamespace = obj.metadata.namespace ?? '';
  const dependencies = obj.spec.dependsOn ?? [];
  const readyExprs = dependencies.map(compileReadyExpr);
  for (const [index, dependency] of dependencies.entries()) {
    const namespace = dependency.namespace ?? ownNamespace;
    const display = `${namespace}/${dependency.name}`;
    if (options.noCrossNamespaceRefs && namespace !== ownNamespace)
      throw new StallingError(
        ConditionReason.AccessDenied,
        `cannot depend on Kustomization ${display}: cross-namespace references have been disabled`,
      );
    const notReady = (why: string) =>
      new WaitingError(
        ConditionReason.DependencyNotReady,
        `dependency '${display}' ${why}`,
        options.requeueMs,
      );
    const found = cache.get(namespace, dependency.name);
    if (found === undefined) throw notReady('not found');
    const readyExpr = readyExprs[index];
    if (readyExpr !== undefined) {
      if (!evaluateReadyExpr(readyExpr, obj, found, notReady))
        throw notReady('is not ready according to readyExpr');
      continue;
    }
    const ready = found.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True' || found.status?.observedGeneration !== found.metadata.generation)
      throw notReady('is not ready');
    const revision = sameSourceRevision(obj, found, lookup);
    if (revision !== undefined && found.status?.lastAppliedRevision !== revision)
      throw notReady(`has not applied revision '${revision}' yet`);
  }
}

/** `dependsOn[i].readyExpr` compiled with the variables Flux gives it: `self` and `dep`. */
function compileReadyExpr(
  dependency: NonNullable<Kustomization['spec']['dependsOn']>[number],
  index: number,
): CelProgram | undefined {
  if (dependency.readyExpr === undefined || dependency.readyExpr === '') return undefined;
  try {
    return compile(dependency.readyExpr, { variables: ['self', 'dep'] });
  } catch (error) {
    if (!(error instanceof CelError)) throw error;
    throw new StallingError(
      ConditionReason.InvalidCELExpression,
      `spec.dependsOn[${index}].readyExpr (${dependency.name}): ${error.message}`,
      { cause: error },
    );
  }
}

/** An expression failing on this dependency (a field it reads is missing) is a wait too. */
function evaluateReadyExpr(
  readyExpr: CelProgram,
  self: Kustomization,
  dep: Kustomization,
  notReady: (why: string) => WaitingError,
): boolean {
  try {
    return readyExpr.evaluateBoolean({ self, dep });
  } catch (error) {
    if (!(error instanceof CelError)) throw error;
    throw notReady(`is not ready: ${error.message}`);
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

import { ConditionReason, type KustomizationSpec } from '@tide/api';
import { CelError, compile, type CelProgram } from '@tide/cel';
import { InvalidSpecError } from './errors.js';
import { HealthStatus, type CustomHealth, type Health } from '@tide/ssa';
import { groupOf, type Manifest } from '@tide/kube';

type HealthCheckExpr = NonNullable<KustomizationSpec['healthCheckExprs']>[number];

/**
 * One `healthCheckExprs` entry, compiled; it judges objects of its group and kind, or every
 * kind of its group when the entry has no kind (Flux 2.9).
 */
interface CompiledHealthCheck {
  readonly group: string;
  readonly kind: string | undefined;
  /** In Flux's evaluation order: inProgress, failed, current (the first true one wins). */
  readonly checks: readonly (readonly [
    Exclude<keyof HealthCheckExpr, 'apiVersion' | 'kind'>,
    CelProgram,
  ])[];
}

const statusOf = {
  inProgress: HealthStatus.InProgress,
  failed: HealthStatus.Failed,
  current: HealthStatus.Current,
} as const;

/**
 * Compiles `spec.healthCheckExprs` once per reconcile into the health function the wait
 * uses for those kinds (undefined when there are none). An expression that does not compile
 * is an InvalidSpecError (reason InvalidCELExpression) naming the field and the expression.
 */
export function compileHealthCheckExprs(spec: KustomizationSpec): CustomHealth | undefined {
  const entries = spec.healthCheckExprs ?? [];
  if (entries.length === 0) return undefined;
  const compiled = entries.map(compileEntry);
  refuseDuplicates(compiled);
  return (object) => healthByExprs(compiled, object);
}

function compileEntry(entry: HealthCheckExpr, index: number): CompiledHealthCheck {
  const checks = (['inProgress', 'failed', 'current'] as const).flatMap((field) => {
    const expression = entry[field];
    if (expression === undefined || (field !== 'current' && expression === '')) return [];
    try {
      return [[field, compile(expression)] as const];
    } catch (error) {
      if (!(error instanceof CelError)) throw error;
      throw new InvalidSpecError(
        ConditionReason.InvalidCELExpression,
        `spec.healthCheckExprs[${index}].${field} (${entry.kind ?? `every kind of ${entry.apiVersion}`}): ${error.message}`,
        { cause: error },
      );
    }
  });
  return { group: groupOf(entry.apiVersion), kind: entry.kind, checks };
}

/**
 * Flux's evaluation: a status.observedGeneration behind metadata.generation is InProgress;
 * then the first of inProgress, failed, current that is true decides; none true is
 * InProgress. An expression failing on this object (a field it reads is missing) is
 * InProgress with the error, so the wait goes on until the object has it or the timeout.
 */
function healthByExprs(
  compiled: readonly CompiledHealthCheck[],
  object: Manifest,
): Health | undefined {
  const group = groupOf(object.apiVersion);
  // An entry naming the object's kind wins over its group's kind-less entry.
  const entry =
    compiled.find((c) => c.group === group && c.kind === object.kind) ??
    compiled.find((c) => c.group === group && c.kind === undefined);
  if (entry === undefined) return undefined;
  const stale = staleGeneration(object);
  if (stale !== undefined) return stale;
  for (const [field, program] of entry.checks) {
    let result: boolean;
    try {
      result = program.evaluateBoolean(object);
    } catch (error) {
      if (!(error instanceof CelError)) throw error;
      return {
        status: HealthStatus.InProgress,
        message: `healthCheckExprs ${field}: ${error.message}`,
      };
    }
    if (result) return { status: statusOf[field], message: `healthCheckExprs ${field} is true` };
  }
  return {
    status: HealthStatus.InProgress,
    message: 'healthCheckExprs: no expression is true yet',
  };
}

/**
 * Two entries for one group and kind (or two group-wide entries for one group) are refused,
 * as Flux's CEL status reader refuses them, rather than one silently shadowing the other.
 */
function refuseDuplicates(compiled: readonly CompiledHealthCheck[]): void {
  const seen = new Map<string, number>();
  compiled.forEach((entry, index) => {
    const key = `${entry.group}/${entry.kind ?? ''}`;
    const first = seen.get(key);
    if (first !== undefined)
      throw new InvalidSpecError(
        ConditionReason.InvalidCELExpression,
        `spec.healthCheckExprs[${index}]: ${entry.kind === undefined ? `a second entry for every kind of group '${entry.group}'` : `a second entry for ${entry.kind} in group '${entry.group}'`} (the first is [${first}])`,
      );
    seen.set(key, index);
  });
}

function staleGeneration(object: Manifest): Health | undefined {
  const status = object.status;
  const observed =
    typeof status === 'object' && status !== null && 'observedGeneration' in status
      ? status.observedGeneration
      : undefined;
  const generation = object.metadata.generation;
  if (typeof observed !== 'number' || typeof generation !== 'number' || observed === generation)
    return undefined;
  return {
    status: HealthStatus.InProgress,
    message: `generation ${generation} not observed yet (observed ${observed})`,
  };
}

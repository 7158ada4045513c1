import { fieldOf, groupOf, isPlainObject, type Manifest } from '@tide/kube';

/**
 * kstatus's vocabulary: Current (reconciled and healthy), InProgress (still converging),
 * Failed (will not converge without a change), Terminating (being deleted), NotFound.
 */
export const HealthStatus = {
  Current: 'Current',
  InProgress: 'InProgress',
  Failed: 'Failed',
  Terminating: 'Terminating',
  NotFound: 'NotFound',
} as const;
export type HealthStatus = (typeof HealthStatus)[keyof typeof HealthStatus];

export interface Health {
  readonly status: HealthStatus;
  readonly message: string;
}

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}

type Rule = (object: Manifest, status: Record<string, unknown>) => Health;

const current = (message: string): Health => ({ status: HealthStatus.Current, message });
const inProgress = (message: string): Health => ({ status: HealthStatus.InProgress, message });
const failed = (message: string): Health => ({ status: HealthStatus.Failed, message });

/** Kind-specific rules, keyed by `group/Kind`; anything else gets the generic rule. */
const rules: Readonly<Record<string, Rule>> = {
  'apps/Deployment': deploymentHealth,
  'apps/StatefulSet': statefulSetHealth,
  'apps/DaemonSet': daemonSetHealth,
  'apps/ReplicaSet': replicaSetHealth,
  'batch/Job': jobHealth,
  '/Pod': podHealth,
  '/PersistentVolumeClaim': pvcHealth,
  '/Service': serviceHealth,
  '/Namespace': namespaceHealth,
  'apiextensions.k8s.io/CustomResourceDefinition': crdHealth,
};

/** Kinds a controller must report on before they are healthy: no status means not yet. */
const needsStatus = new Set(Object.keys(rules).filter((key) => key !== '/Service'));

/**
 * Computes an object's health from its live state alone, following kstatus's semantics:
 * deletion first, then observedGeneration, then the Stalled/Reconciling conditions, then
 * the kind's own rule (or Ready for anything else). Objects with no status are Current,
 * except kinds whose controller always writes one.
 */
export function computeHealth(object: Manifest): Health {
  if (object.metadata.deletionTimestamp !== undefined)
    return { status: HealthStatus.Terminating, message: 'being deleted' };
  const key = `${groupOf(object.apiVersion)}/${object.kind}`;
  const status = isPlainObject(object.status) ? object.status : undefined;
  if (status === undefined || Object.keys(status).length === 0) {
    return needsStatus.has(key) ? inProgress('no status reported yet') : current('no status');
  }
  const stale = staleGeneration(object, status);
  if (stale !== undefined) return stale;
  const conditions = conditionsOf(status);
  const stalled = conditions.get('Stalled');
  if (stalled?.status === 'True') return failed(describe('Stalled', stalled));
  const reconciling = conditions.get('Reconciling');
  if (reconciling?.status === 'True') return inProgress(describe('Reconciling', reconciling));
  const rule = rules[key] ?? genericHealth;
  return rule(object, status);
}

function staleGeneration(object: Manifest, status: Record<string, unknown>): Health | undefined {
  const observed = status.observedGeneration;
  const generation = object.metadata.generation;
  if (typeof observed !== 'number' || typeof generation !== 'number') return undefined;
  if (observed >= generation) return undefined;
  return inProgress(`generation ${generation} not observed yet (observed ${observed})`);
}

function genericHealth(_object: Manifest, status: Record<string, unknown>): Health {
  const ready = conditionsOf(status).get('Ready');
  if (ready === undefined) return current('no Ready condition');
  if (ready.status === 'True') return current(describe('Ready', ready));
  return inProgress(describe('Ready', ready, 'not ready'));
}

function deploymentHealth(object: Manifest, status: Record<string, unknown>): Health {
  const conditions = conditionsOf(status);
  const progressing = conditions.get('Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded')
    return failed(`progress deadline exceeded: ${progressing.message}`.trim());
  const want = desiredReplicas(object);
  const replica = replicaProgress(status, want, [
    ['updatedReplicas', 'updated'],
    ['readyReplicas', 'ready'],
    ['availableReplicas', 'available'],
  ]);
  if (replica !== undefined) return replica;
  if (progressing !== undefined && progressing.reason !== 'NewReplicaSetAvailable')
    return inProgress(describe('Progressing', progressing, 'rollout in progress'));
  const available = conditions.get('Available');
  if (available !== undefined && available.status !== 'True')
    return inProgress(describe('Available', available, 'not available'));
  return current(`rolled out: ${want} of ${want} replicas available`);
}

function statefulSetHealth(object: Manifest, status: Record<string, unknown>): Health {
  const want = desiredReplicas(object);
  if (fieldOf(object, ['spec', 'updateStrategy', 'type']) === 'OnDelete')
    return current('OnDelete update strategy: pods are replaced by hand');
  const partition = numberAt(object, ['spec', 'updateStrategy', 'rollingUpdate', 'partition']);
  const replica = replicaProgress(status, want, [['readyReplicas', 'ready']]);
  if (replica !== undefined) return replica;
  if (partition > 0) {
    const updated = numberAt(status, ['updatedReplicas']);
    const target = Math.max(want - partition, 0);
    if (updated < target) return inProgress(`partitioned rollout: ${updated} of ${target} updated`);
    return current(`partitioned rollout complete: ${updated} of ${target} updated`);
  }
  const currentReplicas = numberAt(status, ['currentReplicas']);
  if (currentReplicas < want)
    return inProgress(`rolling out: ${currentReplicas} of ${want} replicas at the new revision`);
  if (status.updateRevision !== status.currentRevision)
    return inProgress(`waiting for revision ${String(status.updateRevision)} to become current`);
  return current(`rolled out: ${want} of ${want} replicas ready`);
}

function daemonSetHealth(_object: Manifest, status: Record<string, unknown>): Health {
  const want = numberAt(status, ['desiredNumberScheduled']);
  const checks: [string, string][] = [
    ['currentNumberScheduled', 'scheduled'],
    ['updatedNumberScheduled', 'updated'],
    ['numberAvailable', 'available'],
    ['numberReady', 'ready'],
  ];
  for (const [field, word] of checks) {
    const have = numberAt(status, [field]);
    if (have < want) return inProgress(`${word}: ${have} of ${want} pods`);
  }
  return current(`rolled out: ${want} of ${want} pods ready`);
}

function replicaSetHealth(object: Manifest, status: Record<string, unknown>): Health {
  const failure = conditionsOf(status).get('ReplicaFailure');
  if (failure?.status === 'True') return inProgress(describe('ReplicaFailure', failure));
  const want = desiredReplicas(object);
  return (
    replicaProgress(status, want, [
      ['readyReplicas', 'ready'],
      ['availableReplicas', 'available'],
    ]) ?? current(`${want} of ${want} replicas available`)
  );
}

function jobHealth(_object: Manifest, status: Record<string, unknown>): Health {
  const conditions = conditionsOf(status);
  const failedCondition = conditions.get('Failed');
  if (failedCondition?.status === 'True') return failed(describe('Failed', failedCondition));
  const complete = conditions.get('Complete');
  if (complete?.status === 'True') return current('job complete');
  const succeeded = numberAt(status, ['succeeded']);
  const active = numberAt(status, ['active']);
  return inProgress(`job running: ${active} active, ${succeeded} succeeded`);
}

function podHealth(_object: Manifest, status: Record<string, unknown>): Health {
  const phase = status.phase;
  if (phase === 'Succeeded') return current('pod succeeded');
  if (phase === 'Failed') return failed(`pod failed${reasonSuffix(status)}`);
  const crashing = crashingContainer(status);
  if (crashing !== undefined) return failed(crashing);
  const ready = conditionsOf(status).get('Ready');
  if (phase === 'Running' && ready?.status === 'True') return current('pod running and ready');
  return inProgress(`pod ${typeof phase === 'string' ? phase : 'pending'}, not ready`);
}

function pvcHealth(_object: Manifest, status: Record<string, unknown>): Health {
  if (status.phase === 'Bound') return current('claim bound');
  return inProgress(`claim ${typeof status.phase === 'string' ? status.phase : 'Pending'}`);
}

function serviceHealth(object: Manifest, status: Record<string, unknown>): Health {
  if (fieldOf(object, ['spec', 'type']) !== 'LoadBalancer') return current('service ready');
  const ingress = fieldOf(status, ['loadBalancer', 'ingress']);
  if (Array.isArray(ingress) && ingress.length > 0) return current('load balancer provisioned');
  return inProgress('waiting for a load balancer ingress address');
}

function namespaceHealth(_object: Manifest, status: Record<string, unknown>): Health {
  if (status.phase === 'Terminating')
    return { status: HealthStatus.Terminating, message: 'namespace terminating' };
  if (status.phase === 'Active') return current('namespace active');
  return inProgress('namespace not active yet');
}

function crdHealth(_object: Manifest, status: Record<string, unknown>): Health {
  const conditions = conditionsOf(status);
  const names = conditions.get('NamesAccepted');
  if (names?.status === 'False') return failed(describe('NamesAccepted', names));
  const established = conditions.get('Established');
  if (established?.status === 'True') return current('established');
  return inProgress('not established yet');
}

/** The first replica counter short of the target, as an InProgress health. */
function replicaProgress(
  status: Record<string, unknown>,
  want: number,
  counters: readonly (readonly [string, string])[],
): Health | undefined {
  const total = numberAt(status, ['replicas']);
  if (total > want) return inProgress(`pending termination: ${total - want} extra replicas`);
  for (const [field, word] of counters) {
    const have = numberAt(status, [field]);
    if (have < want) return inProgress(`${word}: ${have} of ${want} replicas`);
  }
  return undefined;
}

function desiredReplicas(object: Manifest): number {
  const replicas = fieldOf(object, ['spec', 'replicas']);
  return typeof replicas === 'number' ? replicas : 1;
}

function numberAt(value: unknown, path: readonly string[]): number {
  const found = fieldOf(value, path);
  return typeof found === 'number' ? found : 0;
}

function crashingContainer(status: Record<string, unknown>): string | undefined {
  const containers = Array.isArray(status.containerStatuses) ? status.containerStatuses : [];
  for (const container of containers) {
    const reason = fieldOf(container, ['state', 'waiting', 'reason']);
    if (reason === 'CrashLoopBackOff' || reason === 'ImagePullBackOff') {
      const name = fieldOf(container, ['name']);
      return `container ${typeof name === 'string' ? name : '?'}: ${reason}`;
    }
  }
  return undefined;
}

function reasonSuffix(status: Record<string, unknown>): string {
  const reason = typeof status.reason === 'string' ? status.reason : '';
  const message = typeof status.message === 'string' ? status.message : '';
  return [reason, message].filter((part) => part !== '').length === 0
    ? ''
    : `: ${[reason, message].filter((part) => part !== '').join(': ')}`;
}

function conditionsOf(status: Record<string, unknown>): Map<string, Condition> {
  const conditions = new Map<string, Condition>();
  const list = Array.isArray(status.conditions) ? status.conditions : [];
  for (const entry of list) {
    if (!isPlainObject(entry) || typeof entry.type !== 'string') continue;
    conditions.set(entry.type, {
      type: entry.type,
      status: typeof entry.status === 'string' ? entry.status : 'Unknown',
      reason: typeof entry.reason === 'string' ? entry.reason : '',
      message: typeof entry.message === 'string' ? entry.message : '',
    });
  }
  return conditions;
}

/** `Ready=False (DependencyNotReady): waiting for B` */
function describe(type: string, condition: Condition, fallback = ''): string {
  const reason = condition.reason === '' ? '' : ` (${condition.reason})`;
  const message = condition.message === '' ? fallback : condition.message;
  return `${type}=${condition.status}${reason}${message === '' ? '' : `: ${message}`}`;
}

import { describe, expect, it } from '@jest/globals';
import type { HealthStatus } from '../src/index.js';
import { computeHealth } from '../src/index.js';
import type { Manifest } from '@tide/kube';

type Status = Record<string, unknown>;

function object(
  apiVersion: string,
  kind: string,
  spec: Record<string, unknown> | undefined,
  status: Status | undefined,
  generation = 1,
): Manifest {
  return {
    apiVersion,
    kind,
    metadata: { name: 'x', namespace: 'ns', generation },
    ...(spec === undefined ? {} : { spec }),
    ...(status === undefined ? {} : { status }),
  };
}

const condition = (type: string, status: string, reason = '', message = '') => ({
  type,
  status,
  reason,
  message,
});

const rolledOut: Status = {
  observedGeneration: 1,
  replicas: 2,
  updatedReplicas: 2,
  readyReplicas: 2,
  availableReplicas: 2,
  conditions: [
    condition('Available', 'True', 'MinimumReplicasAvailable'),
    condition('Progressing', 'True', 'NewReplicaSetAvailable'),
  ],
};

const cases: [string, Manifest, HealthStatus, string][] = [
  // Deployments
  [
    'Deployment rolled out',
    object('apps/v1', 'Deployment', { replicas: 2 }, rolledOut),
    'Current',
    '2 of 2',
  ],
  [
    'Deployment without status',
    object('apps/v1', 'Deployment', { replicas: 2 }, undefined),
    'InProgress',
    'no status',
  ],
  [
    'Deployment generation not observed',
    object('apps/v1', 'Deployment', { replicas: 2 }, rolledOut, 2),
    'InProgress',
    'generation 2',
  ],
  [
    'Deployment updating',
    object('apps/v1', 'Deployment', { replicas: 2 }, { ...rolledOut, updatedReplicas: 1 }),
    'InProgress',
    'updated: 1 of 2',
  ],
  [
    'Deployment with old pods terminating',
    object('apps/v1', 'Deployment', { replicas: 2 }, { ...rolledOut, replicas: 3 }),
    'InProgress',
    'pending termination',
  ],
  [
    'Deployment not available',
    object('apps/v1', 'Deployment', { replicas: 2 }, { ...rolledOut, availableReplicas: 0 }),
    'InProgress',
    'available: 0 of 2',
  ],
  [
    'Deployment past its progress deadline',
    object(
      'apps/v1',
      'Deployment',
      { replicas: 2 },
      {
        ...rolledOut,
        updatedReplicas: 1,
        conditions: [
          condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'rs "web" has timed out'),
        ],
      },
    ),
    'Failed',
    'progress deadline exceeded',
  ],
  [
    'Deployment default replicas (1)',
    object(
      'apps/v1',
      'Deployment',
      {},
      { ...rolledOut, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 },
    ),
    'Current',
    '1 of 1',
  ],
  // StatefulSets
  [
    'StatefulSet rolled out',
    object(
      'apps/v1',
      'StatefulSet',
      { replicas: 2 },
      {
        observedGeneration: 1,
        replicas: 2,
        readyReplicas: 2,
        currentReplicas: 2,
        updatedReplicas: 2,
        currentRevision: 'db-1',
        updateRevision: 'db-1',
      },
    ),
    'Current',
    '2 of 2',
  ],
  [
    'StatefulSet mid-rollout',
    object(
      'apps/v1',
      'StatefulSet',
      { replicas: 2 },
      {
        observedGeneration: 1,
        replicas: 2,
        readyReplicas: 2,
        currentReplicas: 2,
        updatedReplicas: 1,
        currentRevision: 'db-1',
        updateRevision: 'db-2',
      },
    ),
    'InProgress',
    'db-2',
  ],
  [
    'StatefulSet not ready',
    object(
      'apps/v1',
      'StatefulSet',
      { replicas: 3 },
      { observedGeneration: 1, replicas: 3, readyReplicas: 1 },
    ),
    'InProgress',
    'ready: 1 of 3',
  ],
  [
    'StatefulSet partitioned rollout done',
    object(
      'apps/v1',
      'StatefulSet',
      { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } },
      {
        observedGeneration: 1,
        replicas: 3,
        readyReplicas: 3,
        updatedReplicas: 1,
      },
    ),
    'Current',
    'partitioned',
  ],
  // DaemonSets
  [
    'DaemonSet rolled out',
    object(
      'apps/v1',
      'DaemonSet',
      {},
      {
        observedGeneration: 1,
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        updatedNumberScheduled: 3,
        numberAvailable: 3,
        numberReady: 3,
      },
    ),
    'Current',
    '3 of 3',
  ],
  [
    'DaemonSet updating',
    object(
      'apps/v1',
      'DaemonSet',
      {},
      {
        observedGeneration: 1,
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        updatedNumberScheduled: 1,
        numberAvailable: 3,
        numberReady: 3,
      },
    ),
    'InProgress',
    'updated: 1 of 3',
  ],
  // ReplicaSets
  [
    'ReplicaSet available',
    object(
      'apps/v1',
      'ReplicaSet',
      { replicas: 2 },
      { observedGeneration: 1, replicas: 2, readyReplicas: 2, availableReplicas: 2 },
    ),
    'Current',
    '2 of 2',
  ],
  [
    'ReplicaSet with a replica failure',
    object(
      'apps/v1',
      'ReplicaSet',
      { replicas: 2 },
      {
        observedGeneration: 1,
        replicas: 0,
        conditions: [condition('ReplicaFailure', 'True', 'FailedCreate', 'quota exceeded')],
      },
    ),
    'InProgress',
    'quota exceeded',
  ],
  // Jobs
  [
    'Job complete',
    object('batch/v1', 'Job', {}, { succeeded: 1, conditions: [condition('Complete', 'True')] }),
    'Current',
    'complete',
  ],
  [
    'Job failed',
    object(
      'batch/v1',
      'Job',
      {},
      {
        failed: 6,
        conditions: [condition('Failed', 'True', 'BackoffLimitExceeded', 'too many retries')],
      },
    ),
    'Failed',
    'BackoffLimitExceeded',
  ],
  ['Job running', object('batch/v1', 'Job', {}, { active: 1 }), 'InProgress', '1 active'],
  // Pods
  [
    'Pod running and ready',
    object('v1', 'Pod', {}, { phase: 'Running', conditions: [condition('Ready', 'True')] }),
    'Current',
    'ready',
  ],
  ['Pod pending', object('v1', 'Pod', {}, { phase: 'Pending' }), 'InProgress', 'Pending'],
  ['Pod succeeded', object('v1', 'Pod', {}, { phase: 'Succeeded' }), 'Current', 'succeeded'],
  [
    'Pod failed',
    object('v1', 'Pod', {}, { phase: 'Failed', reason: 'Evicted' }),
    'Failed',
    'Evicted',
  ],
  [
    'Pod crash-looping',
    object(
      'v1',
      'Pod',
      {},
      {
        phase: 'Running',
        containerStatuses: [{ name: 'web', state: { waiting: { reason: 'CrashLoopBackOff' } } }],
      },
    ),
    'Failed',
    'CrashLoopBackOff',
  ],
  // PVCs
  ['PVC bound', object('v1', 'PersistentVolumeClaim', {}, { phase: 'Bound' }), 'Current', 'bound'],
  [
    'PVC pending',
    object('v1', 'PersistentVolumeClaim', {}, { phase: 'Pending' }),
    'InProgress',
    'Pending',
  ],
  // Services
  [
    'ClusterIP Service',
    object('v1', 'Service', { type: 'ClusterIP' }, { loadBalancer: {} }),
    'Current',
    'service',
  ],
  [
    'ClusterIP Service without status',
    object('v1', 'Service', {}, undefined),
    'Current',
    'no status',
  ],
  [
    'LoadBalancer Service with ingress',
    object(
      'v1',
      'Service',
      { type: 'LoadBalancer' },
      { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } },
    ),
    'Current',
    'load balancer',
  ],
  [
    'LoadBalancer Service waiting',
    object('v1', 'Service', { type: 'LoadBalancer' }, { loadBalancer: {} }),
    'InProgress',
    'ingress',
  ],
  // CRDs
  [
    'CRD established',
    object(
      'apiextensions.k8s.io/v1',
      'CustomResourceDefinition',
      {},
      {
        conditions: [condition('NamesAccepted', 'True'), condition('Established', 'True')],
      },
    ),
    'Current',
    'established',
  ],
  [
    'CRD with conflicting names',
    object(
      'apiextensions.k8s.io/v1',
      'CustomResourceDefinition',
      {},
      {
        conditions: [
          condition('NamesAccepted', 'False', 'MultipleNamesNotAllowed', 'plural in use'),
        ],
      },
    ),
    'Failed',
    'plural in use',
  ],
  [
    'CRD not yet established',
    object(
      'apiextensions.k8s.io/v1',
      'CustomResourceDefinition',
      {},
      { conditions: [condition('NamesAccepted', 'True')] },
    ),
    'InProgress',
    'not established',
  ],
  // Namespaces
  [
    'Namespace active',
    object('v1', 'Namespace', undefined, { phase: 'Active' }),
    'Current',
    'active',
  ],
  [
    'Namespace terminating',
    object('v1', 'Namespace', undefined, { phase: 'Terminating' }),
    'Terminating',
    'terminating',
  ],
  // Anything with conditions
  [
    'custom resource Ready=True',
    object(
      'example.com/v1',
      'Widget',
      {},
      { observedGeneration: 1, conditions: [condition('Ready', 'True', 'Succeeded')] },
    ),
    'Current',
    'Ready=True',
  ],
  [
    'custom resource Ready=False',
    object(
      'example.com/v1',
      'Widget',
      {},
      { observedGeneration: 1, conditions: [condition('Ready', 'False', 'Waiting', 'dependency')] },
    ),
    'InProgress',
    'dependency',
  ],
  [
    'custom resource Stalled',
    object(
      'example.com/v1',
      'Widget',
      {},
      {
        observedGeneration: 1,
        conditions: [
          condition('Ready', 'False'),
          condition('Stalled', 'True', 'InvalidSpec', 'bad url'),
        ],
      },
    ),
    'Failed',
    'bad url',
  ],
  [
    'custom resource Reconciling',
    object(
      'example.com/v1',
      'Widget',
      {},
      { observedGeneration: 1, conditions: [condition('Reconciling', 'True', 'Progressing')] },
    ),
    'InProgress',
    'Reconciling',
  ],
  [
    'custom resource with a stale observedGeneration',
    object(
      'example.com/v1',
      'Widget',
      {},
      { observedGeneration: 1, conditions: [condition('Ready', 'True')] },
      3,
    ),
    'InProgress',
    'generation 3',
  ],
  [
    'ConfigMap (no status)',
    object('v1', 'ConfigMap', undefined, undefined),
    'Current',
    'no status',
  ],
  [
    'object being deleted',
    {
      ...object('v1', 'ConfigMap', undefined, undefined),
      metadata: { name: 'x', deletionTimestamp: '2026-01-01T00:00:00Z' },
    },
    'Terminating',
    'deleted',
  ],
];

describe('computeHealth', () => {
  it.each(cases)('%s → %s', (_label, fixture, status, message) => {
    const health = computeHealth(fixture);
    expect(health.status).toBe(status);
    expect(health.message).toContain(message);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sharedControlPlane, type SharedControlPlane } from '@tide/harness';
import { KubeClient, refOf, type Manifest } from '@tide/kube';
import { HealthStatus, ResourceManager, WaitOutcome } from '../src/index.js';
import { deployment, fieldManager, patchAs, remove, widgetCrd } from './fixtures.js';

const now = '2026-01-01T00:00:00Z';
const condition = (type: string, status: string, reason = 'Test', message = '') => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: now,
  lastUpdateTime: now,
});

const rolledOut = {
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

const podSpec = { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] };
const template = (app: string) => ({
  metadata: { labels: { app } },
  spec: { ...podSpec, restartPolicy: 'Always' },
});

describe('health of live objects, and wait', () => {
  let plane: SharedControlPlane;
  let ns: string;
  let manager: ResourceManager;
  let widget: ReturnType<typeof widgetCrd>;

  /** Applies an object and, when given, writes its status through the status subresource. */
  async function place(object: Manifest, status?: Record<string, unknown>): Promise<void> {
    await manager.apply([object]);
    if (status === undefined) return;
    const info = object.apiVersion.includes('/')
      ? `/apis/${object.apiVersion}`
      : `/api/${object.apiVersion}`;
    const plural = {
      Deployment: 'deployments',
      StatefulSet: 'statefulsets',
      DaemonSet: 'daemonsets',
      ReplicaSet: 'replicasets',
      Job: 'jobs',
      Pod: 'pods',
      PersistentVolumeClaim: 'persistentvolumeclaims',
      Service: 'services',
      Widget: widget.plural,
    }[object.kind];
    const scope =
      object.metadata.namespace === undefined ? '' : `/namespaces/${object.metadata.namespace}`;
    await patchAs(
      plane,
      `${info}${scope}/${String(plural)}/${object.metadata.name}`,
      { status },
      'test-controller',
      '/status',
    );
  }

  beforeAll(async () => {
    plane = sharedControlPlane();
    ns = await plane.createNamespace('ssa-wait');
    manager = new ResourceManager({
      client: new KubeClient({ kubeConfig: plane.kubeConfig }),
      fieldManager,
    });
    widget = widgetCrd();
    await manager.apply([widget.crd]);
  });
  afterAll(async () => {
    await remove(
      plane,
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${widget.crd.metadata.name}`,
    );
  });

  const w = (name: string): Manifest => ({
    apiVersion: `${widget.group}/v1`,
    kind: 'Widget',
    metadata: { name, namespace: ns },
    spec: {},
  });

  // [label, expected health, object, status written by hand (undefined: none)]
  const cases: [
    string,
    HealthStatus,
    (ns: string) => Manifest,
    Record<string, unknown> | undefined,
  ][] = [
    ['Deployment rolled out', 'Current', (n) => deployment(n, 'd-ok'), rolledOut],
    ['Deployment never rolled out', 'InProgress', (n) => deployment(n, 'd-new'), undefined],
    [
      'Deployment past its deadline',
      'Failed',
      (n) => deployment(n, 'd-dead'),
      {
        observedGeneration: 1,
        replicas: 2,
        updatedReplicas: 1,
        conditions: [condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'timed out')],
      },
    ],
    [
      'StatefulSet rolled out',
      'Current',
      (n) => ({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'sts', namespace: n },
        spec: {
          replicas: 1,
          serviceName: 'sts',
          selector: { matchLabels: { app: 'sts' } },
          template: template('sts'),
        },
      }),
      {
        observedGeneration: 1,
        replicas: 1,
        readyReplicas: 1,
        currentReplicas: 1,
        updatedReplicas: 1,
        currentRevision: 'r1',
        updateRevision: 'r1',
        availableReplicas: 1,
      },
    ],
    [
      'DaemonSet updating',
      'InProgress',
      (n) => ({
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'ds', namespace: n },
        spec: { selector: { matchLabels: { app: 'ds' } }, template: template('ds') },
      }),
      {
        observedGeneration: 1,
        desiredNumberScheduled: 2,
        currentNumberScheduled: 2,
        updatedNumberScheduled: 1,
        numberAvailable: 1,
        numberReady: 1,
        numberMisscheduled: 0,
      },
    ],
    [
      'ReplicaSet available',
      'Current',
      (n) => ({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: 'rs', namespace: n },
        spec: { replicas: 1, selector: { matchLabels: { app: 'rs' } }, template: template('rs') },
      }),
      {
        observedGeneration: 1,
        replicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
        fullyLabeledReplicas: 1,
      },
    ],
    [
      'Job complete',
      'Current',
      (n) => ({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'job-ok', namespace: n },
        spec: { template: { spec: podSpec } },
      }),
      {
        startTime: now,
        completionTime: now,
        succeeded: 1,
        conditions: [condition('SuccessCriteriaMet', 'True'), condition('Complete', 'True')],
      },
    ],
    [
      'Job failed',
      'Failed',
      (n) => ({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'job-bad', namespace: n },
        spec: { template: { spec: podSpec } },
      }),
      {
        startTime: now,
        failed: 1,
        conditions: [
          condition('FailureTarget', 'True', 'BackoffLimitExceeded'),
          condition('Failed', 'True', 'BackoffLimitExceeded', 'backoff limit'),
        ],
      },
    ],
    [
      'Pod running and ready',
      'Current',
      (n) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'pod', namespace: n },
        spec: podSpec,
      }),
      { phase: 'Running', conditions: [condition('Ready', 'True')] },
    ],
    [
      'PVC pending',
      'InProgress',
      (n) => ({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'pvc-wait', namespace: n },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      }),
      { phase: 'Pending' },
    ],
    [
      'PVC bound',
      'Current',
      (n) => ({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'pvc-bound', namespace: n },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      }),
      { phase: 'Bound' },
    ],
    [
      'ClusterIP Service',
      'Current',
      (n) => ({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'svc', namespace: n },
        spec: { ports: [{ port: 80 }] },
      }),
      undefined,
    ],
    [
      'LoadBalancer Service without ingress',
      'InProgress',
      (n) => ({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'lb-wait', namespace: n },
        spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
      }),
      undefined,
    ],
    [
      'LoadBalancer Service with ingress',
      'Current',
      (n) => ({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'lb-ok', namespace: n },
        spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
      }),
      { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } },
    ],
    [
      'Namespace',
      'Current',
      (n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } }),
      undefined,
    ],
    [
      'ConfigMap',
      'Current',
      (n) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: n } }),
      undefined,
    ],
  ];

  it.each(cases)('%s → %s', async (_label, expected, make, status) => {
    const object = make(ns);
    await place(object, status);
    const [health] = await manager.status([refOf(object)]);
    expect(health?.status).toBe(expected);
  });

  it.each([
    ['Ready=True', 'Current', [condition('Ready', 'True')]],
    ['Ready=False', 'InProgress', [condition('Ready', 'False', 'Waiting')]],
    [
      'Stalled=True',
      'Failed',
      [condition('Ready', 'False'), condition('Stalled', 'True', 'InvalidSpec', 'bad')],
    ],
  ] as const)('a custom resource with %s → %s', async (label, expected, conditions) => {
    const object = w(`w-${label.replace('=', '-').toLowerCase()}`);
    await place(object, { observedGeneration: 1, conditions });
    const [health] = await manager.status([refOf(object)]);
    expect(health?.status).toBe(expected);
  });

  it('the CRD it was defined by is Current (Established)', async () => {
    const [health] = await manager.status([refOf(widget.crd)]);
    expect(health).toMatchObject({ status: 'Current', message: 'established' });
  });

  it('a missing object, or one of a kind not served, is NotFound', async () => {
    const statuses = await manager.status([
      refOf(deployment(ns, 'absent')),
      { apiVersion: 'nothing.tide.test/v1', kind: 'Ghost', namespace: ns, name: 'boo' },
    ]);
    expect(statuses.map((status) => status.status)).toEqual([
      HealthStatus.NotFound,
      HealthStatus.NotFound,
    ]);
  });

  it('wait succeeds once a Deployment reports it rolled out', async () => {
    const web = deployment(ns, 'rollout');
    await manager.apply([web]);
    const waiting = manager.wait([web], { timeoutMs: 20_000, intervalMs: 150 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    await patchAs(
      plane,
      `/apis/apps/v1/namespaces/${ns}/deployments/rollout`,
      { status: rolledOut },
      'test-controller',
      '/status',
    );
    const result = await waiting;
    expect(result.outcome).toBe(WaitOutcome.Current);
    expect(result.objects[0]).toMatchObject({
      subject: `Deployment/${ns}/rollout`,
      status: 'Current',
    });
  });

  it('wait fails at once when an object fails', async () => {
    const deadline = {
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 1,
      conditions: [condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'timed out')],
    };
    await place(deployment(ns, 'd-dead'), deadline);
    await place(deployment(ns, 'd-new'));
    const started = Date.now();
    const result = await manager.wait([deployment(ns, 'd-dead'), deployment(ns, 'd-new')], {
      timeoutMs: 20_000,
      intervalMs: 150,
    });
    expect(result.outcome).toBe(WaitOutcome.Failed);
    expect(result.message).toContain(`Deployment/${ns}/d-dead Failed: progress deadline exceeded`);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('wait times out on a Deployment that never rolls out, saying what it waited for', async () => {
    await place(deployment(ns, 'd-new'));
    const started = Date.now();
    const result = await manager.wait([deployment(ns, 'd-new')], {
      timeoutMs: 700,
      intervalMs: 150,
    });
    expect(result.outcome).toBe(WaitOutcome.Timeout);
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(result.message).toContain(
      `timed out after 700ms waiting for: Deployment/${ns}/d-new InProgress`,
    );
  });

  it('customHealth judges the kinds it answers for; kstatus judges the rest', async () => {
    const custom = w('w-custom');
    await place(custom, { phase: 'Sealed' });
    await place(deployment(ns, 'd-new'));
    const sealed = (object: Manifest) =>
      object.kind !== 'Widget'
        ? undefined
        : {
            status: HealthStatus.Failed,
            message: `phase ${JSON.stringify((object.status as { phase?: string }).phase)}`,
          };
    const statuses = await manager.status([refOf(custom), refOf(deployment(ns, 'd-new'))], {
      customHealth: sealed,
    });
    expect(statuses.map(({ status, message }) => [status, message])).toEqual([
      ['Failed', 'phase "Sealed"'],
      ['InProgress', 'no status reported yet'],
    ]);
    const result = await manager.wait([custom], {
      timeoutMs: 5_000,
      intervalMs: 150,
      customHealth: sealed,
    });
    expect(result.outcome).toBe(WaitOutcome.Failed);
    expect(result.message).toBe(
      `health check failed: Widget/${ns}/w-custom Failed: phase "Sealed"`,
    );
  });

  it('wait ends at once when its signal aborts (a new revision arrived)', async () => {
    await place(deployment(ns, 'd-new'));
    const controller = new AbortController();
    const started = Date.now();
    const waiting = manager.wait([deployment(ns, 'd-new')], {
      timeoutMs: 60_000,
      intervalMs: 1_000,
      signal: controller.signal,
    });
    setTimeout(() => {
      controller.abort();
    }, 300);
    const result = await waiting;
    expect(result.outcome).toBe(WaitOutcome.Aborted);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result.message).toContain('cancelled');
  });
});

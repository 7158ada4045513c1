import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { KubeObject } from '@tide/kube';
import type { QueueObserver, WorkQueue } from './queue.js';

/**
 * The metrics every controller exposes, under Flux's names so existing dashboards work:
 * gotk_* per object, controller-runtime's work-queue and reconcile metrics per controller,
 * and the process metrics. One registry per Manager, so two managers in one process (tests)
 * do not collide.
 */

/** Flux's reconcile-duration buckets: 10ns·10^k for k = 0…9 (10ns to 10s). */
export const reconcileDurationBuckets: readonly number[] = Array.from(
  { length: 10 },
  (_, k) => 10e-9 * 10 ** k,
);

const conditionStatuses = ['True', 'False', 'Unknown', 'Deleted'] as const;

/** controller-runtime's work-queue duration buckets: 1ns·10^k for k = 0…9. */
const queueBuckets = Array.from({ length: 10 }, (_, k) => 1e-9 * 10 ** k);

export class RuntimeMetrics {
  readonly registry = new Registry();
  private readonly queues = new Map<string, WorkQueue>();

  private readonly reconcileDuration = new Histogram({
    name: 'gotk_reconcile_duration_seconds',
    help: 'The duration in seconds of a GitOps Toolkit resource reconciliation.',
    labelNames: ['kind', 'name', 'namespace'],
    buckets: [...reconcileDurationBuckets],
    registers: [this.registry],
  });
  private readonly condition = new Gauge({
    name: 'gotk_reconcile_condition',
    help: 'The current condition status of a GitOps Toolkit resource reconciliation.',
    labelNames: ['kind', 'name', 'namespace', 'type', 'status'],
    registers: [this.registry],
  });
  private readonly suspend = new Gauge({
    name: 'gotk_suspend_status',
    help: 'The current suspend status of a GitOps Toolkit resource.',
    labelNames: ['kind', 'name', 'namespace'],
    registers: [this.registry],
  });
  private readonly reconcileTotal = new Counter({
    name: 'controller_runtime_reconcile_total',
    help: 'Total number of reconciliations per controller.',
    labelNames: ['controller', 'result'],
    registers: [this.registry],
  });
  private readonly reconcileErrors = new Counter({
    name: 'controller_runtime_reconcile_errors_total',
    help: 'Total number of reconciliation errors per controller.',
    labelNames: ['controller'],
    registers: [this.registry],
  });
  private readonly reconcileTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Length of time per reconciliation per controller.',
    labelNames: ['controller'],
    buckets: [
      0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9,
      1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
    ],
    registers: [this.registry],
  });
  private readonly activeWorkers = new Gauge({
    name: 'controller_runtime_active_workers',
    help: 'Number of currently used workers per controller.',
    labelNames: ['controller'],
    registers: [this.registry],
  });
  private readonly maxConcurrent = new Gauge({
    name: 'controller_runtime_max_concurrent_reconciles',
    help: 'Maximum number of concurrent reconciles per controller.',
    labelNames: ['controller'],
    registers: [this.registry],
  });
  private readonly queueDepth = new Gauge({
    name: 'workqueue_depth',
    help: 'Current depth of workqueue.',
    labelNames: ['name'],
    registers: [this.registry],
  });
  private readonly queueAdds = new Counter({
    name: 'workqueue_adds_total',
    help: 'Total number of adds handled by workqueue.',
    labelNames: ['name'],
    registers: [this.registry],
  });
  private readonly queueLatency = new Histogram({
    name: 'workqueue_queue_duration_seconds',
    help: 'How long in seconds an item stays in workqueue before being requested.',
    labelNames: ['name'],
    buckets: queueBuckets,
    registers: [this.registry],
  });
  private readonly workDuration = new Histogram({
    name: 'workqueue_work_duration_seconds',
    help: 'How long in seconds processing an item from workqueue takes.',
    labelNames: ['name'],
    buckets: queueBuckets,
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: 'workqueue_retries_total',
    help: 'Total number of retries handled by workqueue.',
    labelNames: ['name'],
    registers: [this.registry],
  });

  constructor() {
    const queues = this.queues;
    new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help: 'How many seconds of work has been done that is in progress and has not been observed by work_duration.',
      labelNames: ['name'],
      registers: [this.registry],
      collect() {
        const now = Date.now();
        for (const [name, queue] of queues) {
          let total = 0;
          for (const since of queue.inFlight().values()) total += (now - since) / 1000;
          this.set({ name }, total);
        }
      },
    });
    new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running.',
      labelNames: ['name'],
      registers: [this.registry],
      collect() {
        const now = Date.now();
        for (const [name, queue] of queues) {
          let longest = 0;
          for (const since of queue.inFlight().values())
            longest = Math.max(longest, (now - since) / 1000);
          this.set({ name }, longest);
        }
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  observeReconcile(kind: string, obj: KubeObject, seconds: number): void {
    this.reconcileDuration.observe(objectLabels(kind, obj), seconds);
  }

  /** Sets gotk_reconcile_condition: 1 for the condition's status, 0 for the others. */
  recordCondition(kind: string, obj: KubeObject, type: string, status: string | undefined): void {
    for (const candidate of conditionStatuses) {
      this.condition.set(
        { ...objectLabels(kind, obj), type, status: candidate },
        candidate === status ? 1 : 0,
      );
    }
  }

  recordSuspend(kind: string, obj: KubeObject, suspended: boolean): void {
    this.suspend.set(objectLabels(kind, obj), suspended ? 1 : 0);
  }

  /**
   * The object is gone: its series go too, so objects that come and go (preview
   * environments) do not grow /metrics without bound.
   */
  recordDeleted(kind: string, obj: KubeObject, conditionType: string): void {
    const labels = objectLabels(kind, obj);
    this.reconcileDuration.remove(labels);
    this.suspend.remove(labels);
    for (const status of conditionStatuses)
      this.condition.remove({ ...labels, type: conditionType, status });
  }

  recordResult(controller: string, result: string, seconds: number): void {
    this.reconcileTotal.inc({ controller, result });
    if (result === 'error') this.reconcileErrors.inc({ controller });
    this.reconcileTime.observe({ controller }, seconds);
  }

  setWorkers(controller: string, active: number, max: number): void {
    this.activeWorkers.set({ controller }, active);
    this.maxConcurrent.set({ controller }, max);
  }

  /** The observer a controller's queue reports to, labelled with the controller's name. */
  queueObserver(name: string): QueueObserver {
    return {
      added: () => {
        this.queueAdds.inc({ name });
      },
      depth: (depth) => {
        this.queueDepth.set({ name }, depth);
      },
      waited: (seconds) => {
        this.queueLatency.observe({ name }, seconds);
      },
      worked: (seconds) => {
        this.workDuration.observe({ name }, seconds);
      },
      retried: () => {
        this.retries.inc({ name });
      },
    };
  }

  watchQueue(name: string, queue: WorkQueue): void {
    this.queues.set(name, queue);
  }
}

function objectLabels(kind: string, obj: KubeObject) {
  return { kind, name: obj.metadata.name ?? '', namespace: obj.metadata.namespace ?? '' };
}

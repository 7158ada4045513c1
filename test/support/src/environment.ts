import { join } from 'node:path';
import { Storage, startArtifactServer, type ArtifactServer } from '@tide/artifact';
import {
  makeTempDir,
  sharedControlPlane,
  waitFor,
  type SharedControlPlane,
  type TempDir,
} from '@tide/harness';
import { KubeClient, secretKind, type KindRef } from '@tide/kube';
import { Manager, createLogger, type ReconcilableObject } from '@tide/runtime';

/**
 * One controller's reconcilers running in-process on a Manager against the shared control
 * plane, scoped to one namespace so they never touch other test files' objects, with an
 * artifact storage and server of their own (source-controller stores there; other
 * controllers' tests publish source artifacts there by hand).
 */
export interface ControllerEnvironment {
  readonly controlPlane: SharedControlPlane;
  readonly namespace: string;
  readonly client: KubeClient;
  readonly storage: Storage;
  readonly server: ArtifactServer;
  readonly manager: Manager;
  apply(kind: KindRef, obj: ReconcilableObject): Promise<ReconcilableObject>;
  /** Polls the object until `check` returns a value. */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T is the kind the caller reads
  waitFor<T extends ReconcilableObject, R>(
    kind: KindRef,
    name: string,
    check: (obj: T) => R | undefined,
    what: string,
    timeoutMs?: number,
  ): Promise<R>;
  /** Creates Secret `name` in the namespace with `stringData`. */
  secret(name: string, stringData: Readonly<Record<string, string>>): Promise<unknown>;
  /**
   * Waits until the object's Ready condition is `status`; for True also until its
   * observedGeneration is current (a failure leaves observedGeneration behind).
   */
  readyIs<T extends ReconcilableObject>(
    kind: KindRef,
    name: string,
    status: 'True' | 'False',
    timeoutMs?: number,
  ): Promise<T>;
  stop(): Promise<void>;
}

/** What a test environment runs: the reconcilers a controller registers, and how to close them. */
export interface ControllerUnderTest {
  /** The Manager's name (the field manager of status patches and events). */
  readonly name: string;
  /** Registers the reconcilers; the returned function closes what they hold. */
  register(manager: Manager, storage: Storage): (() => Promise<void>) | undefined;
}

export async function startControllerEnvironment(
  prefix: string,
  controller: ControllerUnderTest,
): Promise<ControllerEnvironment> {
  const controlPlane = sharedControlPlane();
  const namespace = await controlPlane.createNamespace(prefix);
  const temp: TempDir = await makeTempDir(`${prefix}-storage`);
  const basePath = join(temp.path, 'data');
  const server = await startArtifactServer({ basePath, address: '127.0.0.1:0' });
  const storage = new Storage({ basePath, advertisedAddress: server.address, retentionRecords: 2 });
  await storage.init();
  const manager = new Manager({
    name: controller.name,
    kubeConfig: controlPlane.kubeConfig,
    namespace,
    logger: createLogger({ level: 'error' }),
    runtime: {
      watchAllNamespaces: false,
      metricsAddr: '0',
      healthAddr: '0',
      minRetryDelayMs: 200,
      maxRetryDelayMs: 2_000,
      requeueDependencyMs: 500,
      gracefulShutdownTimeoutMs: 5_000,
    },
  });
  const close = controller.register(manager, storage);
  await manager.start();
  const client = new KubeClient({ kubeConfig: controlPlane.kubeConfig });
  return {
    controlPlane,
    namespace,
    client,
    storage,
    server,
    manager,
    apply: (kind, obj) => client.create(kind, { ...obj, metadata: { ...obj.metadata, namespace } }),
    waitFor: (kind, name, check, what, timeoutMs = 30_000) =>
      waitFor(
        async () => {
          const obj = await client.get<never>(kind, namespace, name);
          const value = check(obj);
          return value === undefined || value === false ? undefined : value;
        },
        { timeoutMs, intervalMs: 100, what: `${kind.kind} ${namespace}/${name}: ${what}` },
      ),
    secret: (name, stringData) =>
      client.create(secretKind, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace },
        stringData,
      } as never),
    readyIs: <T extends ReconcilableObject>(
      kind: KindRef,
      name: string,
      status: 'True' | 'False',
      timeoutMs = 30_000,
    ) =>
      waitFor(
        async () => {
          const obj = await client.get<T>(kind, namespace, name);
          const ready = obj.status?.conditions?.find((c) => c.type === 'Ready');
          const current =
            status === 'False' || obj.status?.observedGeneration === obj.metadata.generation;
          return ready?.status === status && current ? obj : undefined;
        },
        { timeoutMs, intervalMs: 100, what: `${kind.kind} ${namespace}/${name}: Ready=${status}` },
      ),
    async stop() {
      await manager.stop();
      await close?.();
      client.close();
      await server.close();
      await temp.remove();
    },
  };
}

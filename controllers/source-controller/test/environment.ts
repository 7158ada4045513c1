import { join } from 'node:path';
import { Storage, startArtifactServer, type ArtifactServer } from '@tide/artifact';
import {
  makeTempDir,
  sharedControlPlane,
  waitFor,
  type SharedControlPlane,
  type TempDir,
} from '@tide/harness';
import { Manager, createLogger, type ReconcilableObject } from '@tide/runtime';
import { registerSourceReconcilers } from '../src/index.js';
import { KubeClient, type KindRef } from '@tide/kube';

/**
 * A source-controller running in-process against the shared control plane, scoped to one
 * namespace so it never touches other test files' objects, with its own storage and server.
 */
export interface SourceEnvironment {
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
  stop(): Promise<void>;
}

export async function startSourceEnvironment(
  prefix: string,
  options: { maxRepositorySize?: number } = {},
): Promise<SourceEnvironment> {
  const controlPlane = sharedControlPlane();
  const namespace = await controlPlane.createNamespace(prefix);
  const temp: TempDir = await makeTempDir(`${prefix}-storage`);
  const basePath = join(temp.path, 'data');
  const server = await startArtifactServer({ basePath, address: '127.0.0.1:0' });
  const storage = new Storage({ basePath, advertisedAddress: server.address, retentionRecords: 2 });
  await storage.init();
  const manager = new Manager({
    name: 'source-controller',
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
  registerSourceReconcilers(manager, {
    storage,
    options: {
      gitRepositoryMaxSize: options.maxRepositorySize ?? 64 * 1024 * 1024,
      helmIndexMaxSize: 8 * 1024 * 1024,
      helmChartMaxSize: 8 * 1024 * 1024,
    },
  });
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
    async stop() {
      await manager.stop();
      client.close();
      await server.close();
      await temp.remove();
    },
  };
}

import { expect, it } from '@jest/globals';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Storage } from '@tide/artifact';
import { makeTempDir, sharedControlPlane, waitFor, type TempDir } from '@tide/harness';
import {
  Informer,
  ReconcileError,
  createLogger,
  resultOf,
  type EventInput,
  type ReconcilableObject,
  type ReconcileContext,
  type ReconcileResult,
  type Run,
} from '@tide/runtime';
import { reconcileStorage, type StoredArtifactStatus } from '../src/storage-step.js';
import { KubeClient, PatchType, type KindRef, type KubeObject } from '@tide/kube';

/**
 * What the per-step table tests share in one file: a storage in a temp dir, a storage whose
 * writes fail, and a namespace on the shared control plane for the Secrets and the read
 * caches of other sources that some steps read. No controller runs: a test calls one step.
 */
export interface StepEnvironment {
  readonly namespace: string;
  readonly client: KubeClient;
  readonly storage: Storage;
  /** Its base path is below a regular file, so every write fails. */
  readonly brokenStorage: Storage;
  /** Creates a Secret in the namespace. */
  secret(name: string, stringData: Readonly<Record<string, string>>): Promise<void>;
  /**
   * Creates a source object with the given status and waits until the read cache of its
   * kind holds it, as a step would find it.
   */
  source(kind: KindRef, obj: ReconcilableObject, status?: unknown): Promise<void>;
  /** A run of one step over `obj` and `state`, recording the events it emits. */
  run<T, S>(obj: T, state: S): StepRun<T, S>;
  stop(): Promise<void>;
}

export interface StepRun<T, S> {
  readonly run: Run<T, S>;
  readonly events: EventInput[];
  /** How many times the step wrote its progress to status early. */
  readonly statusPatches: () => number;
}

export async function startStepEnvironment(
  prefix: string,
  options: { caches?: readonly KindRef[] } = {},
): Promise<StepEnvironment> {
  const controlPlane = sharedControlPlane();
  const namespace = await controlPlane.createNamespace(prefix);
  const temp: TempDir = await makeTempDir(`${prefix}-storage`);
  const storage = new Storage({
    basePath: join(temp.path, 'data'),
    advertisedAddress: 'artifacts.test:9090',
    retentionRecords: 2,
  });
  await storage.init();
  await writeFile(join(temp.path, 'not-a-directory'), '');
  const brokenStorage = new Storage({
    basePath: join(temp.path, 'not-a-directory', 'data'),
    advertisedAddress: 'artifacts.test:9090',
  });
  const client = new KubeClient({ kubeConfig: controlPlane.kubeConfig });
  const logger = createLogger({ level: 'error' });
  const informers = (options.caches ?? []).map(
    (kind) => new Informer({ client, kind, namespace, logger }),
  );
  for (const informer of informers) informer.start();
  await Promise.all(informers.map((informer) => informer.waitForSync()));
  const informerOf = (kind: KindRef): Informer => {
    const informer = informers.find((i) => i.kind.kind === kind.kind);
    if (informer === undefined) throw new Error(`this test keeps no cache of ${kind.kind}`);
    return informer;
  };
  const stopping = new AbortController();

  return {
    namespace,
    client,
    storage,
    brokenStorage,
    async secret(name, stringData) {
      await client.create(
        { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
        { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData } as never,
      );
    },
    async source(kind, obj, status) {
      const informer = informerOf(kind);
      const name = obj.metadata.name ?? '';
      let created = await client.create(kind, { ...obj, metadata: { ...obj.metadata, namespace } });
      if (status !== undefined) {
        created = await client.patch(
          kind,
          { namespace, name },
          { status },
          { type: PatchType.Merge, subresource: 'status' },
        );
      }
      const resourceVersion = created.metadata.resourceVersion;
      await waitFor(
        () =>
          Promise.resolve(
            informer.get(namespace, name)?.metadata.resourceVersion === resourceVersion ||
              undefined,
          ),
        { timeoutMs: 10_000, intervalMs: 20, what: `${kind.kind} ${name} in the read cache` },
      );
    },
    run<T, S>(obj: T, state: S): StepRun<T, S> {
      const events: EventInput[] = [];
      let statusPatches = 0;
      const context: ReconcileContext = {
        logger,
        reconcileID: 'step-test',
        signal: stopping.signal,
        client,
        event: (event) => {
          events.push(event);
          return Promise.resolve();
        },
        patchStatus: () => {
          statusPatches += 1;
          return Promise.resolve();
        },
        // The runtime's cache is typed by the caller's generic, as the Manager's is.
        cache: <U extends KubeObject>(kind: KindRef) => informerOf(kind) as Informer<U>,
      };
      return { run: { obj, context, state }, events, statusPatches: () => statusPatches };
    },
    async stop() {
      stopping.abort();
      for (const informer of informers) await informer.stop();
      client.close();
      await temp.remove();
    },
  };
}

/**
 * What a step answered, in one word a table can hold: its result (`success`, `empty`,
 * `requeue`), or the class and reason of the typed error it threw.
 */
export async function outcomeOf(answer: Promise<ReconcileResult>): Promise<string> {
  try {
    return resultOf(await answer);
  } catch (error) {
    if (error instanceof ReconcileError) return `${error.name}(${error.reason})`;
    throw error;
  }
}

/** The conditions of an object as `Type=Status:Reason`, sorted by type. */
export function conditionsOf(obj: {
  status?: { conditions?: readonly { type: string; status: string; reason: string }[] };
}): string[] {
  return (obj.status?.conditions ?? [])
    .map((c) => `${c.type}=${c.status}:${c.reason}`)
    .sort((a, b) => a.localeCompare(b));
}

/** A condition as a step test writes it into the status before the step runs. */
export function condition(type: string, status: 'True' | 'False', reason: string) {
  return {
    type,
    status,
    reason,
    message: 'set before the step',
    lastTransitionTime: '2026-01-01T00:00:00Z',
  };
}

/** One row of the storage step's table: files in the owner's directory and the status. */
interface StorageCase {
  readonly name: string;
  /** Files in the object's storage directory, oldest first, with their contents. */
  readonly files: readonly [string, string][];
  /** The artifact in status before the step: which file, with which size and URL. */
  readonly artifact?: { readonly file: string; readonly size?: number; readonly url?: string };
  readonly want: {
    /** Files left in the directory after the step. */
    readonly files: readonly string[];
    /** The artifact's file and URL in status after the step; absent when dropped. */
    readonly artifact?: { readonly file: string; readonly url: string };
  };
}

const storageCases: readonly StorageCase[] = [
  {
    name: 'no artifact in status: keeps the newest files up to the retention count',
    files: [
      ['a.tar.gz', 'a'],
      ['b.tar.gz', 'b'],
      ['c.tar.gz', 'c'],
    ],
    want: { files: ['b.tar.gz', 'c.tar.gz'] },
  },
  {
    name: 'an artifact whose file is gone is dropped from status',
    files: [['a.tar.gz', 'a']],
    artifact: { file: 'gone.tar.gz', size: 4 },
    want: { files: ['a.tar.gz'] },
  },
  {
    name: 'an artifact whose file has another size is dropped from status',
    files: [['a.tar.gz', 'abc']],
    artifact: { file: 'a.tar.gz', size: 99 },
    want: { files: ['a.tar.gz'] },
  },
  {
    name: 'an artifact from an old address gets the current URL; it is kept over newer files',
    files: [
      ['current.tar.gz', 'cur'],
      ['x.tar.gz', 'x'],
      ['y.tar.gz', 'y'],
    ],
    artifact: { file: 'current.tar.gz', size: 3, url: 'http://old.example:9090/old' },
    want: {
      files: ['current.tar.gz', 'y.tar.gz'],
      artifact: { file: 'current.tar.gz', url: 'http://artifacts.test:9090/PATH' },
    },
  },
];

/**
 * The table of the storage step every source kind runs first (storage-step.ts), for one
 * kind: what is left in the object's storage directory and in its status.
 */
export function describeStorageStep(kind: KindRef, environment: () => StepEnvironment): void {
  it.each(storageCases)('reconcileStorage: $name', async ({ name, files, artifact, want }) => {
    const env = environment();
    const objName = `storage-${storageCases.findIndex((c) => c.name === name)}`;
    const dir = `${kind.kind.toLowerCase()}/${env.namespace}/${objName}`;
    await mkdir(join(env.storage.basePath, dir), { recursive: true });
    const start = Date.now() / 1000 - 100;
    for (const [index, [file, content]] of files.entries()) {
      const path = join(env.storage.basePath, dir, file);
      await writeFile(path, content);
      await utimes(path, start + index, start + index);
    }
    const obj: ReconcilableObject & StoredArtifactStatus = {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: kind.kind,
      metadata: { name: objName, namespace: env.namespace, generation: 1 },
      ...(artifact === undefined
        ? {}
        : {
            status: {
              artifact: {
                path: `${dir}/${artifact.file}`,
                url: artifact.url ?? env.storage.urlFor(`${dir}/${artifact.file}`),
                revision: 'r1',
                digest: 'sha256:0',
                lastUpdateTime: '2026-01-01T00:00:00Z',
                ...(artifact.size === undefined ? {} : { size: artifact.size }),
              },
            },
          }),
    };
    const { run } = env.run(obj, { kind, storage: env.storage });
    expect(await outcomeOf(reconcileStorage(run))).toBe('success');
    expect((await readdir(join(env.storage.basePath, dir))).sort()).toEqual(want.files);
    const after = obj.status?.artifact;
    if (want.artifact === undefined) {
      expect(after).toBeUndefined();
    } else {
      expect(after?.path).toBe(`${dir}/${want.artifact.file}`);
      expect(after?.url).toBe(want.artifact.url.replace('PATH', `${dir}/${want.artifact.file}`));
    }
    expect(conditionsOf(obj)).toEqual([]);
  });
}

/** An object name made from a table row's name, so each row owns its storage directory. */
export function objectName(rowName: string): string {
  return rowName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 60)
    .replace(/^-+|-+$/g, '');
}

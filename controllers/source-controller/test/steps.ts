import { expect, it } from '@jest/globals';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Storage, sha256Digest } from '@tide/artifact';
import { makeTempDir } from '@tide/harness';
import type { KindRef } from '@tide/kube';
import type { ReconcilableObject } from '@tide/runtime';
import {
  conditionsOf,
  outcomeOf,
  startStepEnvironment as startSharedStepEnvironment,
  type StepEnvironment as SharedStepEnvironment,
} from '@tide/test-support';
import { reconcileStorage, type StoredArtifactStatus } from '../src/storage-step.js';

export { condition, conditionsOf, outcomeOf } from '@tide/test-support';

/**
 * The shared step environment (@tide/test-support) with what source steps also need: an
 * artifact storage in a temp dir, and one whose writes fail.
 */
export interface StepEnvironment extends SharedStepEnvironment {
  readonly storage: Storage;
  /** Its base path is below a regular file, so every write fails. */
  readonly brokenStorage: Storage;
}

export async function startStepEnvironment(
  prefix: string,
  options: { caches?: readonly KindRef[] } = {},
): Promise<StepEnvironment> {
  const shared = await startSharedStepEnvironment(prefix, options);
  const temp = await makeTempDir(`${prefix}-storage`);
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
  return {
    ...shared,
    storage,
    brokenStorage,
    async stop() {
      await shared.stop();
      await temp.remove();
    },
  };
}

/** One row of the storage step's table: files in the owner's directory and the status. */
interface StorageCase {
  readonly name: string;
  /** Files in the object's storage directory, oldest first, with their contents. */
  readonly files: readonly [string, string][];
  /**
   * The artifact in status before the step: which file, with which size and URL. `path`
   * replaces the owner's own `<dir>/<file>` (a status written by someone else); `digest` is
   * the file's real one unless given (`null`: no digest at all).
   */
  readonly artifact?: {
    readonly file: string;
    readonly size?: number;
    readonly url?: string;
    readonly path?: string;
    readonly digest?: string | null;
  };
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
  {
    name: "an artifact whose path is another object's is dropped from status",
    files: [['a.tar.gz', 'abc']],
    artifact: { file: 'a.tar.gz', size: 3, path: 'gitrepository/victim/private/a.tar.gz' },
    want: { files: ['a.tar.gz'] },
  },
  {
    name: 'an artifact whose path climbs out of its directory is dropped from status',
    files: [['a.tar.gz', 'abc']],
    artifact: { file: 'a.tar.gz', size: 3, path: 'DIR/../../../../outside/a.tar.gz' },
    want: { files: ['a.tar.gz'] },
  },
  {
    name: 'an artifact without a digest is dropped from status',
    files: [['a.tar.gz', 'abc']],
    artifact: { file: 'a.tar.gz', size: 3, digest: null },
    want: { files: ['a.tar.gz'] },
  },
  {
    name: 'an artifact whose digest does not match its file is dropped from status',
    files: [['a.tar.gz', 'abc']],
    artifact: { file: 'a.tar.gz', size: 3, digest: `sha256:${'0'.repeat(64)}` },
    want: { files: ['a.tar.gz'] },
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
    const content = files.find(([file]) => file === artifact?.file)?.[1];
    const digest =
      artifact?.digest === undefined
        ? sha256Digest(Buffer.from(content ?? ''))
        : (artifact.digest ?? undefined);
    const path = artifact?.path?.replace('DIR', dir) ?? `${dir}/${artifact?.file ?? ''}`;
    const obj: ReconcilableObject & StoredArtifactStatus = {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: kind.kind,
      metadata: { name: objName, namespace: env.namespace, generation: 1 },
      ...(artifact === undefined
        ? {}
        : {
            status: {
              artifact: {
                path,
                url: artifact.url ?? env.storage.urlFor(path),
                revision: 'r1',
                ...(digest === undefined ? {} : { digest }),
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

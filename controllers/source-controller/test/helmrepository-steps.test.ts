import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HelmRepository } from '@tide/api';
import { sha256Digest, startArtifactServer, type ArtifactServer } from '@tide/artifact';
import {
  makeTempDir,
  startChartRepository,
  type ChartRepository,
  type TempDir,
} from '@tide/harness';
import {
  reconcileArtifact,
  reconcileSource,
  type HelmRepositoryState,
} from '../src/helmrepository-steps.js';
import { helmRepositoryKind } from '../src/kinds.js';
import {
  condition,
  conditionsOf,
  describeStorageStep,
  objectName,
  outcomeOf,
  startStepEnvironment,
  type StepEnvironment,
} from './steps.js';

type Spec = HelmRepository['spec'];
type Status = HelmRepository['status'];

interface SourceCase {
  readonly name: string;
  readonly spec: () => Partial<Spec>;
  readonly status?: Status;
  readonly maxIndexSize?: number;
  readonly want: string;
  readonly conditions: readonly string[];
  /** Part of the message of the FetchFailed condition. */
  readonly message?: string;
  /** Whether the state holds the repository's index afterwards. */
  readonly index: boolean;
}

interface ArtifactCase {
  readonly name: string;
  readonly index: Buffer | undefined;
  readonly status?: () => Status;
  readonly broken: boolean;
  readonly want: string;
  readonly conditions: readonly string[];
  readonly stored: boolean;
  readonly events: readonly string[];
}

let env: StepEnvironment;
let charts: ChartRepository;
let temp: TempDir;
let files: ArtifactServer;
/** The index the chart repository serves, fetched with its credentials. */
let servedIndex: Buffer;

function helmRepository(name: string, spec: Partial<Spec>, status?: Status): HelmRepository {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'HelmRepository',
    metadata: { name, namespace: env.namespace, generation: 1 },
    spec: { url: charts.url, interval: '1h', ...spec },
    ...(status === undefined ? {} : { status }),
  };
}

const state = (extra: Partial<HelmRepositoryState> = {}): HelmRepositoryState => ({
  kind: helmRepositoryKind,
  storage: env.storage,
  maxIndexSize: 1024 * 1024,
  ...extra,
});

beforeAll(async () => {
  env = await startStepEnvironment('helmrepo-steps');
  charts = await startChartRepository({
    charts: [{ name: 'podinfo', version: '1.0.0' }],
    basicAuth: { username: 'charts', password: 'pw' },
  });
  temp = await makeTempDir('helmrepo-steps-files');
  // The artifact server serves <kind>/<namespace>/<name>/<file> paths only.
  await mkdir(join(temp.path, 'helmrepository', 'files', 'garbage'), { recursive: true });
  await writeFile(
    join(temp.path, 'helmrepository', 'files', 'garbage', 'index.yaml'),
    'entries: [this is not an index\n',
  );
  files = await startArtifactServer({ basePath: temp.path, address: '127.0.0.1:0' });
  await env.secret('auth', { username: 'charts', password: 'pw' });
  await env.secret('half', { username: 'charts' });
  const response = await fetch(`${charts.url}/index.yaml`, {
    headers: { authorization: `Basic ${Buffer.from('charts:pw').toString('base64')}` },
  });
  servedIndex = Buffer.from(await response.arrayBuffer());
});

afterAll(async () => {
  await env.stop();
  await charts.stop();
  await files.close();
  await temp.remove();
});

describe('HelmRepository steps', () => {
  describeStorageStep(helmRepositoryKind, () => env);

  it.each<SourceCase>([
    {
      name: 'basic auth from secretRef: the index is fetched and FetchFailed goes',
      spec: () => ({ secretRef: { name: 'auth' } }),
      status: { conditions: [condition('FetchFailed', 'True', 'IndexationFailed')] },
      want: 'success',
      conditions: [],
      index: true,
    },
    {
      name: 'no credentials for a repository that needs them',
      spec: () => ({}),
      want: 'GenericError(AuthenticationFailed)',
      conditions: ['FetchFailed=True:AuthenticationFailed'],
      message: 'authentication failed (HTTP 401)',
      index: false,
    },
    {
      name: 'a secretRef to a Secret that does not exist',
      spec: () => ({ secretRef: { name: 'absent' } }),
      want: 'GenericError(AuthenticationFailed)',
      conditions: ['FetchFailed=True:AuthenticationFailed'],
      message: "failed to get secret '",
      index: false,
    },
    {
      name: 'a Secret with a username and no password stalls',
      spec: () => ({ secretRef: { name: 'half' } }),
      want: 'StallingError(AuthenticationFailed)',
      conditions: ['FetchFailed=True:AuthenticationFailed'],
      message: "must hold both 'username' and 'password'",
      index: false,
    },
    {
      name: 'an index larger than --helm-index-max-size',
      spec: () => ({ secretRef: { name: 'auth' } }),
      maxIndexSize: 16,
      want: 'GenericError(IndexationFailed)',
      conditions: ['FetchFailed=True:IndexationFailed'],
      message: 'larger than the limit of 16 bytes',
      index: false,
    },
    {
      name: 'a URL with no index.yaml',
      spec: () => ({ url: `http://${files.address}/helmrepository/files/nothing-here` }),
      want: 'GenericError(IndexationFailed)',
      conditions: ['FetchFailed=True:IndexationFailed'],
      message: 'not found (HTTP 404)',
      index: false,
    },
    {
      name: 'an index.yaml that is not a repository index',
      spec: () => ({ url: `http://${files.address}/helmrepository/files/garbage/` }),
      want: 'GenericError(IndexationFailed)',
      conditions: ['FetchFailed=True:IndexationFailed'],
      message: 'index.yaml is not valid YAML',
      index: false,
    },
  ])('reconcileSource: $name', async (row) => {
    const obj = helmRepository('source', row.spec(), row.status);
    const { run } = env.run(
      obj,
      state(row.maxIndexSize === undefined ? {} : { maxIndexSize: row.maxIndexSize }),
    );
    expect(await outcomeOf(reconcileSource(run))).toBe(row.want);
    expect(conditionsOf(obj)).toEqual(row.conditions);
    if (row.message !== undefined) {
      expect(obj.status?.conditions?.find((c) => c.type === 'FetchFailed')?.message).toContain(
        row.message,
      );
    }
    if (row.index) expect(run.state.index?.equals(servedIndex)).toBe(true);
    else expect(run.state.index).toBeUndefined();
    expect(JSON.stringify(obj.status ?? {})).not.toContain('pw');
  });

  const index = Buffer.from('apiVersion: v1\nentries: {}\n');
  const digest = sha256Digest(index);

  it.each<ArtifactCase>([
    {
      name: 'no index fetched: nothing to do',
      index: undefined,
      broken: true,
      want: 'empty',
      conditions: [],
      stored: false,
      events: [],
    },
    {
      name: 'a new index is stored by digest and NewArtifact recorded',
      index,
      status: () => ({
        conditions: [condition('StorageOperationFailed', 'True', 'ArchiveOperationFailed')],
      }),
      broken: false,
      want: 'success',
      conditions: ['ArtifactInStorage=True:Succeeded'],
      stored: true,
      events: [`NewArtifact: stored fetched index of size ${index.length} from 'URL'`],
    },
    {
      name: 'the stored index has the same digest: not stored again, no event',
      index,
      status: () => ({
        artifact: {
          path: 'helmrepository/elsewhere/x/index.yaml',
          url: 'http://artifacts.test:9090/helmrepository/elsewhere/x/index.yaml',
          revision: digest,
          digest,
          lastUpdateTime: '2026-01-01T00:00:00Z',
          size: index.length,
        },
      }),
      broken: true,
      want: 'success',
      conditions: ['ArtifactInStorage=True:Succeeded'],
      stored: false,
      events: [],
    },
    {
      name: 'storage that cannot be written: StorageOperationFailed',
      index,
      broken: true,
      want: 'GenericError(ArchiveOperationFailed)',
      conditions: ['StorageOperationFailed=True:ArchiveOperationFailed'],
      stored: false,
      events: [],
    },
  ])('reconcileArtifact: $name', async (row) => {
    const obj = helmRepository(objectName(row.name), {}, row.status?.());
    const step = env.run(
      obj,
      state({
        ...(row.index === undefined ? {} : { index: row.index }),
        ...(row.broken ? { storage: env.brokenStorage } : {}),
      }),
    );
    expect(await outcomeOf(reconcileArtifact(step.run))).toBe(row.want);
    expect(conditionsOf(obj)).toEqual(row.conditions);
    expect(step.events.map((e) => `${e.reason}: ${e.message}`)).toEqual(
      row.events.map((e) => e.replace('URL', obj.spec.url)),
    );
    if (!row.stored) return;
    const artifact = obj.status?.artifact;
    expect(artifact?.revision).toBe(digest);
    expect(artifact?.path).toBe(
      `helmrepository/${env.namespace}/${obj.metadata.name ?? ''}/index-${digest.slice(7)}.yaml`,
    );
    expect(
      (await readFile(join(env.storage.basePath, artifact?.path ?? 'missing'))).equals(index),
    ).toBe(true);
    expect(obj.status?.conditions?.find((c) => c.type === 'ArtifactInStorage')?.message).toBe(
      `stored artifact: revision '${digest}'`,
    );
  });
});

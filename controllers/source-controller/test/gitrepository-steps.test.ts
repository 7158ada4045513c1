import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConditionType, type GitRepository } from '@tide/api';
import { readTarball, writeTarball, type TarEntry } from '@tide/artifact';
import {
  fetchCommit,
  resolveReference,
  type GitObjectStore,
  type RemoteOptions,
  type ResolvedReference,
} from '@tide/git';
import { startGitServer, type GitServer } from '@tide/harness';
import {
  reconcileArtifact,
  reconcileInclude,
  reconcileSource,
  type GitState,
  type IncludedArtifact,
} from '../src/gitrepository-steps.js';
import { gitRepositoryKind } from '../src/kinds.js';
import {
  condition,
  conditionsOf,
  describeStorageStep,
  objectName,
  outcomeOf,
  startStepEnvironment,
  type StepEnvironment,
} from './steps.js';
import type { Artifact } from '@tide/kube';

/** What beforeAll sets up and the table rows read. */
interface Fixtures {
  appUrl: string;
  privateUrl: string;
  /** Head of main, and the commit before it. */
  head: string;
  previous: string;
  remote: RemoteOptions;
  resolved: ResolvedReference;
  fetched: GitObjectStore;
  shared: Artifact;
  sharedEntries: TarEntry[];
  /** What reconcileArtifact stores for the app at head with no ignore spec. */
  stored: Artifact;
}

let f: Fixtures;
let env: StepEnvironment;
let git: GitServer;
let privateGit: GitServer;

function gitRepository(
  name: string,
  spec: Partial<GitRepository['spec']>,
  status?: GitRepository['status'],
): GitRepository {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name, namespace: env.namespace, generation: 1 },
    spec: { interval: '1h', url: 'http://git.test/never-fetched.git', ...spec },
    ...(status === undefined ? {} : { status }),
  };
}

const state = (extra: Partial<GitState> = {}): GitState => ({
  kind: gitRepositoryKind,
  storage: env.storage,
  maxRepositorySize: undefined,
  includes: [],
  ...extra,
});

/** An artifact in status; the steps read its revision, path and digest. */
const artifactAt = (revision: string): Artifact => ({
  path: 'gitrepository/elsewhere/app/0.tar.gz',
  url: 'http://artifacts.test:9090/gitrepository/elsewhere/app/0.tar.gz',
  revision,
  digest: 'sha256:0',
  lastUpdateTime: '2026-01-01T00:00:00Z',
  size: 1,
});

beforeAll(async () => {
  env = await startStepEnvironment('git-steps', { caches: [gitRepositoryKind] });
  git = await startGitServer();
  privateGit = await startGitServer({ basicAuth: { username: 'flux', password: 's3cret' } });
  const app = await git.createRepository('app', {
    files: { 'app.yaml': 'v: 1\n', 'scratch/.sourceignore': '*.tmp\n', 'scratch/drop.tmp': 'x\n' },
  });
  const previous = await app.head();
  const head = await app.commit({ 'app.yaml': 'v: 2\n', 'secret.enc.yaml': 'x\n' }, 'second');
  const privateRepo = await privateGit.createRepository('private', { files: { 'p.yaml': 'p\n' } });
  const remote = { url: app.url, timeoutMs: 10_000 };
  const resolved = await resolveReference(remote, { branch: 'main' });
  const fetched = (await fetchCommit(remote, resolved)).store;
  await env.secret('basic', { username: 'flux', password: 's3cret' });
  await env.secret('wrong', { username: 'flux', password: 'n0pe' });
  await env.secret('half', { username: 'flux' });

  const sharedEntries: TarEntry[] = [
    { path: 'base/cm.yaml', type: 'file', content: Buffer.from('kind: ConfigMap\n') },
    { path: 'other/x.yaml', type: 'file', content: Buffer.from('x\n') },
  ];
  const owner = { kind: 'GitRepository', namespace: env.namespace, name: 'shared' };
  const shared = await env.storage.storeStreamed(
    owner,
    (digest) => `${digest.slice('sha256:'.length)}.tar.gz`,
    (sink) => writeTarball(sharedEntries, sink),
    { revision: 'main@sha1:1111111111111111111111111111111111111111' },
  );
  await env.cached(gitRepositoryKind, gitRepository('shared', {}), { artifact: shared });
  await env.cached(gitRepositoryKind, gitRepository('no-artifact', {}));
  await env.cached(gitRepositoryKind, gitRepository('gone', {}), {
    artifact: { ...shared, path: 'gitrepository/nowhere/gone/0.tar.gz' },
  });
  await env.cached(gitRepositoryKind, gitRepository('tampered', {}), {
    artifact: { ...shared, digest: `sha256:${'0'.repeat(64)}` },
  });

  const scratch = gitRepository('scratch', {});
  await reconcileArtifact(env.run(scratch, state({ resolved, fetched })).run);
  const stored = scratch.status?.artifact;
  if (stored === undefined) throw new Error('the scratch artifact was not stored');
  f = {
    appUrl: app.url,
    privateUrl: privateRepo.url,
    head,
    previous,
    remote,
    resolved,
    fetched,
    shared,
    sharedEntries,
    stored,
  };
});

afterAll(async () => {
  await env.stop();
  await git.stop();
  await privateGit.stop();
});

type Status = GitRepository['status'];

interface SourceCase {
  readonly name: string;
  readonly spec: () => Partial<GitRepository['spec']>;
  readonly status: () => Status;
  readonly want: string;
  readonly conditions: readonly string[];
  /** The resolved revision (a prefix of it), or undefined when nothing resolved. */
  readonly revision: () => string | undefined;
  readonly fetched: boolean;
}

interface IncludeCase {
  readonly name: string;
  readonly include: NonNullable<GitRepository['spec']['include']>;
  /** `status.includedArtifacts` before the step. */
  readonly included: () => Artifact[] | undefined;
  /** Whether reconcileSource ran first (the state holds the remote and resolved commit). */
  readonly resolved: boolean;
  readonly want: string;
  readonly conditions: readonly string[];
  readonly message: string | undefined;
  readonly includes: number;
  readonly fetched: boolean;
}

interface ArtifactCase {
  readonly name: string;
  readonly spec: Partial<GitRepository['spec']>;
  readonly status: () => Status;
  readonly state: () => GitState;
  readonly want: string;
  readonly conditions: readonly string[];
  /** The files of the stored tarball; undefined when nothing is stored. */
  readonly files: readonly string[] | undefined;
  readonly events: readonly string[];
}

describe('GitRepository steps', () => {
  describeStorageStep(gitRepositoryKind, () => env);

  it.each<SourceCase>([
    {
      name: 'a new repository: resolves the branch, fetches its head, marks Reconciling',
      spec: () => ({ ref: { branch: 'main' } }),
      status: () => ({ conditions: [condition('FetchFailed', 'True', 'GitOperationFailed')] }),
      want: 'success',
      conditions: ['Reconciling=True:Progressing'],
      revision: () => `main@sha1:${f.head}`,
      fetched: true,
    },
    {
      name: 'the stored artifact has the revision: nothing is fetched',
      spec: () => ({ ref: { branch: 'main' } }),
      status: () => ({ artifact: artifactAt(`main@sha1:${f.head}`) }),
      want: 'success',
      conditions: [],
      revision: () => `main@sha1:${f.head}`,
      fetched: false,
    },
    {
      name: 'the stored artifact has an older revision: ArtifactOutdated NewRevision',
      spec: () => ({ ref: { branch: 'main' } }),
      status: () => ({ artifact: artifactAt(`main@sha1:${f.previous}`) }),
      want: 'success',
      conditions: ['ArtifactOutdated=True:NewRevision', 'Reconciling=True:Progressing'],
      revision: () => `main@sha1:${f.head}`,
      fetched: true,
    },
    {
      name: 'same revision but spec.ignore changed: fetches again, nothing outdated',
      spec: () => ({ ref: { branch: 'main' }, ignore: '*.enc.yaml\n' }),
      status: () => ({ artifact: artifactAt(`main@sha1:${f.head}`) }),
      want: 'success',
      conditions: ['Reconciling=True:Progressing'],
      revision: () => `main@sha1:${f.head}`,
      fetched: true,
    },
    {
      name: 'same revision but spec.sparseCheckout changed: fetches again',
      spec: () => ({ ref: { branch: 'main' }, sparseCheckout: ['scratch'] }),
      status: () => ({ artifact: artifactAt(`main@sha1:${f.head}`) }),
      want: 'success',
      conditions: ['Reconciling=True:Progressing'],
      revision: () => `main@sha1:${f.head}`,
      fetched: true,
    },
    {
      name: 'same revision and the sparse paths it was built with: nothing is fetched',
      spec: () => ({ ref: { branch: 'main' }, sparseCheckout: ['scratch'] }),
      status: () => ({
        artifact: artifactAt(`main@sha1:${f.head}`),
        observedSparseCheckout: ['scratch'],
      }),
      want: 'success',
      conditions: [],
      revision: () => `main@sha1:${f.head}`,
      fetched: false,
    },
    {
      name: 'same revision but recurseSubmodules turned on: fetches again',
      spec: () => ({ ref: { branch: 'main' }, recurseSubmodules: true }),
      status: () => ({ artifact: artifactAt(`main@sha1:${f.head}`) }),
      want: 'success',
      conditions: ['Reconciling=True:Progressing'],
      revision: () => `main@sha1:${f.head}`,
      fetched: true,
    },
    {
      name: 'same revision, built with submodules and still asked for: nothing is fetched',
      spec: () => ({ ref: { branch: 'main' }, recurseSubmodules: true }),
      status: () => ({
        artifact: artifactAt(`main@sha1:${f.head}`),
        observedRecurseSubmodules: true,
      }),
      want: 'success',
      conditions: [],
      revision: () => `main@sha1:${f.head}`,
      fetched: false,
    },
    {
      name: 'a commit pinned by ref.commit',
      spec: () => ({ ref: { commit: f.previous } }),
      status: () => undefined,
      want: 'success',
      conditions: ['Reconciling=True:Progressing'],
      revision: () => `sha1:${f.previous}`,
      fetched: true,
    },
    {
      name: 'a branch the remote does not have',
      spec: () => ({ ref: { branch: 'nope' } }),
      status: () => undefined,
      want: 'GenericError(GitOperationFailed)',
      conditions: ['FetchFailed=True:GitOperationFailed'],
      revision: () => undefined,
      fetched: false,
    },
    {
      name: 'an SSH URL without a secretRef fails authentication',
      spec: () => ({ url: 'ssh://git@example.com/org/repo.git' }),
      status: () => undefined,
      want: 'GenericError(AuthenticationFailed)',
      conditions: ['FetchFailed=True:AuthenticationFailed'],
      revision: () => undefined,
      fetched: false,
    },
    {
      name: 'basic auth from secretRef',
      spec: () => ({ url: f.privateUrl, ref: { branch: 'main' }, secretRef: { name: 'basic' } }),
      status: () => undefined,
      want: 'success',
      conditions: ['Reconciling=True:Progressing'],
      revision: () => 'main@sha1:',
      fetched: true,
    },
    {
      name: 'a wrong password',
      spec: () => ({ url: f.privateUrl, ref: { branch: 'main' }, secretRef: { name: 'wrong' } }),
      status: () => undefined,
      want: 'GenericError(GitOperationFailed)',
      conditions: ['FetchFailed=True:GitOperationFailed'],
      revision: () => undefined,
      fetched: false,
    },
    {
      name: 'a secretRef to a Secret that does not exist',
      spec: () => ({ url: f.privateUrl, secretRef: { name: 'absent' } }),
      status: () => undefined,
      want: 'GenericError(AuthenticationFailed)',
      conditions: ['FetchFailed=True:AuthenticationFailed'],
      revision: () => undefined,
      fetched: false,
    },
    {
      name: 'a Secret with a username and no password',
      spec: () => ({ url: f.privateUrl, secretRef: { name: 'half' } }),
      status: () => undefined,
      want: 'GenericError(AuthenticationFailed)',
      conditions: ['FetchFailed=True:AuthenticationFailed'],
      revision: () => undefined,
      fetched: false,
    },
  ])('reconcileSource: $name', async ({ spec, status, want, conditions, revision, fetched }) => {
    const obj = gitRepository('source', { url: f.appUrl, ...spec() }, status());
    const { run, statusPatches } = env.run(obj, state());
    expect(await outcomeOf(reconcileSource(run))).toBe(want);
    expect(conditionsOf(obj)).toEqual(conditions);
    const wantRevision = revision();
    if (wantRevision === undefined) expect(run.state.resolved).toBeUndefined();
    else expect(run.state.resolved?.revision).toMatch(new RegExp(`^${wantRevision}`));
    expect(run.state.fetched !== undefined).toBe(fetched);
    expect(statusPatches()).toBe(fetched ? 1 : 0);
    expect(JSON.stringify(obj.status ?? {})).not.toContain('s3cret');
  });

  it.each<IncludeCase>([
    {
      name: 'no includes: IncludeUnavailable goes',
      include: [],
      included: () => undefined,
      resolved: false,
      want: 'success',
      conditions: [],
      message: undefined,
      includes: 0,
      fetched: false,
    },
    {
      name: 'an included GitRepository that does not exist waits',
      include: [{ repository: { name: 'absent' } }],
      included: () => undefined,
      resolved: false,
      want: 'WaitingError(IncludeUnavailable)',
      conditions: ['IncludeUnavailable=True:IncludeUnavailable'],
      message: "included GitRepository 'absent' not found",
      includes: 0,
      fetched: false,
    },
    {
      name: 'an included GitRepository without an artifact waits',
      include: [{ repository: { name: 'no-artifact' } }],
      included: () => undefined,
      resolved: false,
      want: 'WaitingError(IncludeUnavailable)',
      conditions: ['IncludeUnavailable=True:IncludeUnavailable'],
      message: "included GitRepository 'no-artifact' has no artifact yet",
      includes: 0,
      fetched: false,
    },
    {
      name: 'an included artifact whose file is not in storage is retried',
      include: [{ repository: { name: 'gone' } }],
      included: () => undefined,
      resolved: false,
      want: 'GenericError(IncludeUnavailable)',
      conditions: ['IncludeUnavailable=True:IncludeUnavailable'],
      message: undefined,
      includes: 0,
      fetched: false,
    },
    {
      name: 'an included artifact that does not match its digest is retried',
      include: [{ repository: { name: 'tampered' } }],
      included: () => undefined,
      resolved: false,
      want: 'GenericError(IncludeUnavailable)',
      conditions: ['IncludeUnavailable=True:IncludeUnavailable'],
      message: undefined,
      includes: 0,
      fetched: false,
    },
    {
      name: 'the included artifact is the one built in: read, nothing fetched',
      include: [{ repository: { name: 'shared' } }],
      included: () => [f.shared],
      resolved: true,
      want: 'success',
      conditions: [],
      message: undefined,
      includes: 1,
      fetched: false,
    },
    {
      name: 'the included artifact moved: the commit is fetched to rebuild',
      include: [{ repository: { name: 'shared' } }],
      included: () => [{ ...f.shared, digest: 'sha256:1' }],
      resolved: true,
      want: 'success',
      conditions: ['Reconciling=True:Progressing'],
      message: undefined,
      includes: 1,
      fetched: true,
    },
  ])(
    'reconcileInclude: $name',
    async ({ include, included, resolved, want, conditions, message, includes, fetched }) => {
      const includedArtifacts = included();
      const obj = gitRepository(
        'include',
        { include },
        {
          conditions: [condition('IncludeUnavailable', 'True', 'IncludeUnavailable')],
          ...(includedArtifacts === undefined ? {} : { includedArtifacts }),
        },
      );
      const { run } = env.run(
        obj,
        state(resolved ? { remote: f.remote, resolved: f.resolved } : {}),
      );
      expect(await outcomeOf(reconcileInclude(run))).toBe(want);
      expect(conditionsOf(obj)).toEqual(conditions);
      if (message !== undefined) {
        expect(
          obj.status?.conditions?.find((c) => c.type === ConditionType.IncludeUnavailable)?.message,
        ).toBe(message);
      }
      expect(run.state.includes).toHaveLength(includes);
      if (includes > 0) {
        expect(run.state.includes[0]?.entries.map((e) => e.path)).toEqual([
          'base/cm.yaml',
          'other/x.yaml',
        ]);
      }
      expect(run.state.fetched !== undefined).toBe(fetched);
    },
  );

  const vendored = (): IncludedArtifact[] => [
    {
      include: { repository: { name: 'shared' }, fromPath: 'base', toPath: 'vendor/base' },
      artifact: f.shared,
      entries: f.sharedEntries,
    },
  ];

  it.each<ArtifactCase>([
    {
      name: 'nothing resolved: nothing to do',
      spec: {},
      status: () => undefined,
      state: () => state({ storage: env.brokenStorage }),
      want: 'empty',
      conditions: [],
      files: undefined,
      events: [],
    },
    {
      name: 'resolved but not fetched: the artifact in status stands',
      spec: {},
      status: () => ({
        artifact: f.stored,
        conditions: [condition('ArtifactOutdated', 'True', 'NewRevision')],
      }),
      state: () => state({ resolved: f.resolved, storage: env.brokenStorage }),
      want: 'success',
      conditions: ['ArtifactInStorage=True:Succeeded'],
      files: undefined,
      events: [],
    },
    {
      name: 'a fetched commit is stored without ignored paths; NewArtifact is recorded',
      spec: { ignore: '*.enc.yaml\n' },
      status: () => ({ conditions: [condition('ArtifactOutdated', 'True', 'NewRevision')] }),
      state: () => state({ resolved: f.resolved, fetched: f.fetched }),
      want: 'success',
      conditions: ['ArtifactInStorage=True:Succeeded'],
      files: ['app.yaml', 'scratch/.sourceignore'],
      events: ["NewArtifact: stored artifact for commit 'second'"],
    },
    {
      name: 'included artifacts are laid in at toPath and recorded in status',
      spec: {
        include: [{ repository: { name: 'shared' }, fromPath: 'base', toPath: 'vendor/base' }],
      },
      status: () => undefined,
      state: () => state({ resolved: f.resolved, fetched: f.fetched, includes: vendored() }),
      want: 'success',
      conditions: ['ArtifactInStorage=True:Succeeded'],
      files: ['app.yaml', 'scratch/.sourceignore', 'secret.enc.yaml', 'vendor/base/cm.yaml'],
      events: ["NewArtifact: stored artifact for commit 'second'"],
    },
    {
      name: 'the same bytes as the stored artifact: no event',
      spec: {},
      status: () => ({ artifact: f.stored }),
      state: () => state({ resolved: f.resolved, fetched: f.fetched }),
      want: 'success',
      conditions: ['ArtifactInStorage=True:Succeeded'],
      files: ['app.yaml', 'scratch/.sourceignore', 'secret.enc.yaml'],
      events: [],
    },
    {
      name: 'storage that cannot be written: StorageOperationFailed',
      spec: {},
      status: () => undefined,
      state: () => state({ resolved: f.resolved, fetched: f.fetched, storage: env.brokenStorage }),
      want: 'GenericError(ArchiveOperationFailed)',
      conditions: ['StorageOperationFailed=True:ArchiveOperationFailed'],
      files: undefined,
      events: [],
    },
  ])(
    'reconcileArtifact: $name',
    async ({ name, spec, status, state: initial, want, conditions, files, events }) => {
      const obj = gitRepository(objectName(name), spec, status());
      const step = env.run(obj, initial());
      expect(await outcomeOf(reconcileArtifact(step.run))).toBe(want);
      expect(conditionsOf(obj)).toEqual(conditions);
      expect(step.events.map((e) => `${e.reason}: ${e.message}`)).toEqual(events);
      if (files === undefined) return;
      const artifact = obj.status?.artifact;
      expect(artifact?.revision).toBe(`main@sha1:${f.head}`);
      const path = join(env.storage.basePath, artifact?.path ?? 'missing');
      expect(existsSync(path)).toBe(true);
      const stored = await readFile(path);
      expect(stored.length).toBe(artifact?.size);
      expect((await readTarball(stored)).map((e) => e.path).sort()).toEqual(files);
      expect(obj.status?.observedIgnore).toBe(spec.ignore);
      expect(obj.status?.observedInclude).toEqual(spec.include);
      expect(obj.status?.includedArtifacts).toEqual(
        spec.include === undefined ? undefined : [f.shared],
      );
    },
  );
});

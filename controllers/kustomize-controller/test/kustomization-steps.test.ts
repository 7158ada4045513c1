import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { GitRepositoryGVK, KustomizationGVK, type Kustomization } from '@tide/api';
import { Storage, buildTarball, startArtifactServer, type ArtifactServer } from '@tide/artifact';
import { makeTempDir, type TempDir } from '@tide/harness';
import { configMapKind, type Artifact } from '@tide/kube';
import {
  condition,
  conditionsOf,
  outcomeOf,
  startStepEnvironment,
  type StepEnvironment,
} from '@tide/test-support';
import { ArtifactCache } from '../src/artifact-cache.js';
import { BuildPool } from '../src/build-pool.js';
import { ApplyIdentities } from '../src/identity.js';
import {
  finishRun,
  kustomizationState,
  reconcileApply,
  reconcileBuild,
  reconcileDependencies,
  reconcileHealth,
  reconcileSource,
  reconcileSpec,
  type KustomizationEnvironment,
  type KustomizationState,
} from '../src/kustomization-steps.js';

/**
 * One table per Kustomization step: an object (and the state earlier steps left) in, the
 * step's answer, the conditions and status fields it set, and what it left in the state
 * out. Sources and dependencies are objects in read caches of the real API server;
 * artifacts are served by a real artifact server; apply goes to the real API server.
 */

const configMap = (name: string, data = 'v') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: ${data}\n`;

let steps: StepEnvironment;
let temp: TempDir;
let server: ArtifactServer;
let storage: Storage;
let environment: KustomizationEnvironment;
let published = 0;

/** Stores `files` as an artifact of GitRepository `app`, as source-controller would. */
async function publish(files: Readonly<Record<string, string>>): Promise<Artifact> {
  published += 1;
  const tarball = buildTarball(
    Object.entries(files).map(([path, content]) => ({
      path,
      type: 'file' as const,
      content: Buffer.from(content),
    })),
  );
  return storage.store(
    { kind: 'GitRepository', namespace: steps.namespace, name: 'app' },
    `${published}.tar.gz`,
    tarball,
    { revision: `main@sha1:${String(published).padStart(40, '0')}` },
  );
}

function kustomization(
  name: string,
  spec: Partial<Kustomization['spec']> = {},
  status?: Kustomization['status'],
): Kustomization {
  return {
    apiVersion: KustomizationGVK.apiVersion,
    kind: KustomizationGVK.kind,
    metadata: { name, namespace: steps.namespace, generation: 1 },
    spec: {
      interval: '1h',
      prune: true,
      targetNamespace: steps.namespace,
      sourceRef: { kind: 'GitRepository', name: 'app' },
      ...spec,
    },
    ...(status === undefined ? {} : { status }),
  };
}

type Spec = Partial<Kustomization['spec']>;

function stateWith(fields: Partial<KustomizationState> = {}): KustomizationState {
  return { ...kustomizationState(environment), ...fields };
}

beforeAll(async () => {
  steps = await startStepEnvironment('ks-steps', { caches: [GitRepositoryGVK, KustomizationGVK] });
  temp = await makeTempDir('ks-steps-storage');
  server = await startArtifactServer({ basePath: join(temp.path, 'data'), address: '127.0.0.1:0' });
  storage = new Storage({ basePath: join(temp.path, 'data'), advertisedAddress: server.address });
  await storage.init();
  environment = {
    noCrossNamespaceRefs: false,
    requeueDependencyMs: 500,
    strictSubstitutions: false,
    noRemoteBases: true,
    healthPollIntervalMs: 100,
    identities: new ApplyIdentities({ fieldManager: 'kustomize-controller' }),
    artifacts: new ArtifactCache({ workDir: temp.path, retries: 0 }),
    builds: new BuildPool({ workers: 1, memoryLimitMb: 256, timeoutMs: 60_000 }),
  };
});
afterAll(async () => {
  environment.identities.close();
  await environment.artifacts.close();
  await environment.builds.close();
  await steps.stop();
  await server.close();
  await temp.remove();
});

describe('reconcileSpec', () => {
  it.each<[string, Spec, string, { health: boolean; ignore: boolean } | undefined]>([
    ['a plain spec', {}, 'empty', { health: false, ignore: false }],
    [
      'healthCheckExprs and an ignore rule that compile',
      {
        healthCheckExprs: [{ apiVersion: 'v1', kind: 'Pod', current: "status.phase == 'Running'" }],
        ignore: [{ paths: ['/spec/replicas'] }],
      },
      'empty',
      { health: true, ignore: true },
    ],
    [
      'a healthCheckExpr that does not compile',
      { healthCheckExprs: [{ apiVersion: 'v1', kind: 'Pod', current: 'status.phase ==' }] },
      'StallingError(InvalidCELExpression)',
      undefined,
    ],
    [
      'an ignore rule whose path is not a JSON pointer',
      { ignore: [{ paths: ['spec.replicas'] }] },
      'StallingError(ReconciliationFailed)',
      undefined,
    ],
  ])('%s', async (_name, spec, outcome, compiled) => {
    const { run } = steps.run(kustomization('spec', spec), stateWith());
    expect(await outcomeOf(() => reconcileSpec(run))).toBe(outcome);
    if (compiled !== undefined) {
      expect(run.state.customHealth !== undefined).toBe(compiled.health);
      expect(run.state.ignoreRules !== undefined).toBe(compiled.ignore);
    }
  });
});

describe('reconcileDependencies', () => {
  beforeAll(async () => {
    const ready = { observedGeneration: 1, conditions: [condition('Ready', 'True', 'Succeeded')] };
    await steps.cached(KustomizationGVK, kustomization('dep-ready'), ready);
    await steps.cached(KustomizationGVK, kustomization('dep-failing'), {
      observedGeneration: 1,
      conditions: [condition('Ready', 'False', 'BuildFailed')],
    });
  });

  it.each([
    ['no dependsOn', [], false, 'empty'],
    ['a Ready dependency', [{ name: 'dep-ready' }], false, 'empty'],
    ['a missing dependency', [{ name: 'dep-missing' }], false, 'WaitingError(DependencyNotReady)'],
    [
      'a dependency not Ready',
      [{ name: 'dep-failing' }],
      false,
      'WaitingError(DependencyNotReady)',
    ],
    [
      'a readyExpr that holds on a failing dependency',
      [{ name: 'dep-failing', readyExpr: "dep.metadata.name == 'dep-failing'" }],
      false,
      'empty',
    ],
    [
      'a readyExpr that does not compile',
      [{ name: 'dep-ready', readyExpr: 'dep.status ==' }],
      false,
      'StallingError(InvalidCELExpression)',
    ],
    [
      'another namespace with cross-namespace refs off',
      [{ name: 'dep-ready', namespace: 'elsewhere' }],
      true,
      'StallingError(AccessDenied)',
    ],
  ] as const)('%s', async (_name, dependsOn, noCrossNamespaceRefs, outcome) => {
    const { run } = steps.run(
      kustomization('dependent', { dependsOn: [...dependsOn] }),
      stateWith({ env: { ...environment, noCrossNamespaceRefs } }),
    );
    expect(await outcomeOf(() => reconcileDependencies(run))).toBe(outcome);
  });
});

describe('reconcileSource', () => {
  let artifact: Artifact;
  beforeAll(async () => {
    artifact = await publish({ 'app/a.yaml': configMap('a') });
    const source = (name: string) => ({
      apiVersion: GitRepositoryGVK.apiVersion,
      kind: GitRepositoryGVK.kind,
      metadata: { name },
      spec: { interval: '1h', url: `https://git.invalid/${name}` },
    });
    await steps.cached(GitRepositoryGVK, source('with-artifact'), { artifact });
    await steps.cached(GitRepositoryGVK, source('without-artifact'));
  });

  it.each([
    ['a source with an artifact', 'GitRepository', 'with-artifact', undefined, 'empty', true],
    [
      'a source not found',
      'GitRepository',
      'absent',
      undefined,
      'WaitingError(ArtifactFailed)',
      false,
    ],
    [
      'a source without an artifact yet',
      'GitRepository',
      'without-artifact',
      undefined,
      'WaitingError(ArtifactFailed)',
      false,
    ],
    [
      'an unsupported kind',
      'ExternalArtifact',
      'with-artifact',
      undefined,
      'StallingError(ArtifactFailed)',
      false,
    ],
    [
      'another namespace with cross-namespace refs off',
      'GitRepository',
      'with-artifact',
      'elsewhere',
      'StallingError(AccessDenied)',
      false,
    ],
  ] as const)('%s', async (_name, kind, name, namespace, outcome, attempted) => {
    const obj = kustomization('source', {
      sourceRef: { kind, name, ...(namespace === undefined ? {} : { namespace }) },
    });
    const { run } = steps.run(
      obj,
      stateWith({ env: { ...environment, noCrossNamespaceRefs: true } }),
    );
    expect(await outcomeOf(() => reconcileSource(run))).toBe(outcome);
    expect(obj.status?.lastAttemptedRevision).toBe(attempted ? artifact.revision : undefined);
    expect(run.state.source?.artifact.revision).toBe(attempted ? artifact.revision : undefined);
  });
});

describe('reconcileBuild', () => {
  it.each([
    [
      'plain manifests: a generated kustomization',
      { 'app/a.yaml': configMap('a'), 'app/b.yaml': configMap('b') },
      {},
      'empty',
      ['_a__ConfigMap', '_b__ConfigMap'],
    ],
    [
      'namePrefix from the spec overlay',
      { 'app/a.yaml': configMap('a') },
      { namePrefix: 'p-' },
      'empty',
      ['_p-a__ConfigMap'],
    ],
    [
      'a manifest that is not YAML',
      { 'app/a.yaml': 'kind: [' },
      {},
      'GenericError(BuildFailed)',
      [],
    ],
    [
      'a remote base with remote bases refused',
      { 'app/kustomization.yaml': 'resources:\n- https://git.invalid/org/repo//base?ref=v1\n' },
      {},
      'GenericError(BuildFailed)',
      [],
    ],
    [
      'spec.timeout passing before the artifact is fetched',
      { 'app/late.yaml': configMap('late') },
      { timeout: '1ms' },
      'GenericError(ArtifactFailed)',
      [],
    ],
    [
      'a path that is not in the artifact',
      { 'app/a.yaml': configMap('a') },
      { path: './missing' },
      'StallingError(ArtifactFailed)',
      [],
    ],
  ] as const)('%s', async (_name, files, spec, outcome, inventory) => {
    const artifact = await publish(files);
    const obj = kustomization('build', { path: './app', ...spec });
    const { run } = steps.run(
      obj,
      stateWith({
        source: {
          display: `GitRepository/${steps.namespace}/app`,
          owner: { kind: 'GitRepository', namespace: steps.namespace, name: 'app' },
          artifact,
        },
      }),
    );
    try {
      expect(await outcomeOf(() => reconcileBuild(run))).toBe(outcome);
      expect(run.state.inventory.map((entry) => entry.id.slice(steps.namespace.length))).toEqual(
        inventory,
      );
      expect(run.state.digest !== undefined).toBe(inventory.length > 0);
    } finally {
      finishRun(run, 'test');
    }
  });

  it('does nothing without a source', async () => {
    const { run } = steps.run(kustomization('build'), stateWith());
    expect(await outcomeOf(() => reconcileBuild(run))).toBe('empty');
    expect(run.state.objects).toEqual([]);
  });
});

describe('reconcileApply and reconcileHealth', () => {
  /** Builds `files` for Kustomization `name`; the state is ready for apply. */
  async function built(name: string, files: Readonly<Record<string, string>>, obj: Kustomization) {
    const artifact = await publish(files);
    const stepRun = steps.run(
      obj,
      stateWith({
        source: {
          display: `GitRepository/${steps.namespace}/app`,
          owner: { kind: 'GitRepository', namespace: steps.namespace, name: 'app' },
          artifact,
        },
      }),
    );
    expect(await outcomeOf(() => reconcileBuild(stepRun.run))).toBe('empty');
    return { ...stepRun, artifact, name };
  }

  it.each([
    ['creates what is new', 'one', ['one-a', 'one-b'], [], 'empty', ['one-a', 'one-b']],
    ['prunes what left the inventory', 'two', ['two-a'], ['two-b'], 'empty', ['two-a']],
  ] as const)('apply %s', async (_title, name, applied, stale, outcome, inventory) => {
    const files = Object.fromEntries(applied.map((n) => [`app/${n}.yaml`, configMap(n)]));
    if (stale.length > 0) {
      const first = await built(
        name,
        { ...files, ...Object.fromEntries(stale.map((n) => [`app/${n}.yaml`, configMap(n)])) },
        kustomization(name, { path: './app' }),
      );
      expect(await outcomeOf(() => reconcileApply(first.run))).toBe('empty');
      finishRun(first.run, 'test');
    }
    const obj = kustomization(name, { path: './app' });
    if (stale.length > 0)
      obj.status = {
        inventory: {
          entries: [...applied, ...stale].map((n) => ({
            id: `${steps.namespace}_${n}__ConfigMap`,
            v: 'v1',
          })),
        },
      };
    const step = await built(name, files, obj);
    try {
      expect(await outcomeOf(() => reconcileApply(step.run))).toBe(outcome);
      expect(obj.status?.inventory?.entries.map((e) => e.id)).toEqual(
        inventory.map((n) => `${steps.namespace}_${n}__ConfigMap`),
      );
      for (const n of stale)
        await expect(steps.client.get(configMapKind, steps.namespace, n)).rejects.toMatchObject({
          status: 404,
        });
      expect(step.events.map((e) => e.reason)).toEqual(['ReconciliationSucceeded']);
    } finally {
      finishRun(step.run, 'test');
    }
  });

  it('apply refused by the API server → ReconciliationFailed, the inventory kept', async () => {
    const previous = [{ id: `${steps.namespace}_kept__ConfigMap`, v: 'v1' }];
    const obj = kustomization('refused', { path: './app' }, { inventory: { entries: previous } });
    const step = await built(
      'refused',
      { 'app/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_A_Name\n' },
      obj,
    );
    try {
      expect(await outcomeOf(() => reconcileApply(step.run))).toBe(
        'GenericError(ReconciliationFailed)',
      );
      expect(obj.status?.inventory?.entries).toEqual(previous);
    } finally {
      finishRun(step.run, 'test');
    }
  });

  it.each<[string, Spec, string, string[], boolean]>([
    ['no wait: Healthy removed, revision applied', {}, 'success', ['Ready=True:Succeeded'], true],
    [
      'wait on ConfigMaps (Current at once): Healthy',
      { wait: true },
      'success',
      ['Healthy=True:Succeeded', 'Ready=True:Succeeded', 'Reconciling=True:Progressing'],
      true,
    ],
    [
      'a health check of an object that never appears: HealthCheckFailed',
      {
        timeout: '1s',
        healthChecks: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'never', namespace: 'elsewhere' },
        ],
      },
      'GenericError(HealthCheckFailed)',
      ['Healthy=False:HealthCheckFailed', 'Ready=True:Succeeded', 'Reconciling=True:Progressing'],
      false,
    ],
  ])('health: %s', async (name, spec, outcome, conditions, applied) => {
    const obj = kustomization(
      `health-${String(name.length)}`,
      { path: './app', ...spec },
      {
        conditions: [
          condition('Ready', 'True', 'Succeeded'),
          condition('Healthy', 'True', 'Succeeded'),
        ],
      },
    );
    const step = await built(
      obj.metadata.name ?? '',
      { 'app/h.yaml': configMap(`h-${String(name.length)}`) },
      obj,
    );
    try {
      expect(await outcomeOf(() => reconcileApply(step.run))).toBe('empty');
      expect(await outcomeOf(() => reconcileHealth(step.run))).toBe(outcome);
      expect(conditionsOf(obj)).toEqual(conditions);
      expect(obj.status?.lastAppliedRevision).toBe(applied ? step.artifact.revision : undefined);
      // One patch records the pending inventory (h is new) before the apply; waiting for
      // health adds the progress patch.
      expect(step.statusPatches()).toBe('wait' in spec || 'healthChecks' in spec ? 2 : 1);
    } finally {
      finishRun(step.run, 'test');
    }
  });
});

describe('finishRun', () => {
  it.each([
    ['a run that built: one history entry', true, 1],
    ['a run that stopped before the build: no history', false, 0],
  ] as const)('%s', async (_name, build, entries) => {
    const obj = kustomization('history', { path: './app' });
    const artifact = await publish({ 'app/a.yaml': configMap('a') });
    const { run } = steps.run(
      obj,
      stateWith({
        source: {
          display: `GitRepository/${steps.namespace}/app`,
          owner: { kind: 'GitRepository', namespace: steps.namespace, name: 'app' },
          artifact,
        },
      }),
    );
    if (build) await reconcileBuild(run);
    finishRun(run, 'ReconciliationSucceeded');
    expect(obj.status?.history?.length ?? 0).toBe(entries);
    if (build) expect(obj.status?.history?.[0]?.metadata?.revision).toBe(artifact.revision);
  });
});

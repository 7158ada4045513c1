// Fields the support matrix refuses, on the real API server: the object stalls with
// UnsupportedField naming every refused field and what to do, nothing is fetched, and an
// artifact published before stays exactly as it was until the field is removed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { GitRepository, HelmChart, HelmRepository } from '@tide/api';
import { startGitServer, type GitRepositoryFixture, type GitServer } from '@tide/harness';
import { PatchType } from '@tide/kube';
import type { ReconcilableObject } from '@tide/runtime';
import { gitRepositoryKind, helmChartKind, helmRepositoryKind } from '../src/kinds.js';
import { startSourceEnvironment, type SourceEnvironment } from './environment.js';

type Repo = GitRepository & ReconcilableObject;
type HelmRepo = HelmRepository & ReconcilableObject;
type Chart = HelmChart & ReconcilableObject;

const condition = (obj: ReconcilableObject, type: string) =>
  obj.status?.conditions?.find((c) => c.type === type);

describe('fields Tide refuses', () => {
  let env: SourceEnvironment;
  let git: GitServer;
  let app: GitRepositoryFixture;

  beforeAll(async () => {
    env = await startSourceEnvironment('unsupported');
    git = await startGitServer();
    app = await git.createRepository('app', { files: { 'deploy/app.yaml': 'kind: ConfigMap\n' } });
  });
  afterAll(async () => {
    await env.stop();
    await git.stop();
  });

  /** The object once the reconciler has seen its current generation with Ready=False. */
  const stalled = <T extends ReconcilableObject>(kind: typeof gitRepositoryKind, name: string) =>
    env.waitFor<T, T>(
      kind,
      name,
      (o) =>
        condition(o, 'Ready')?.status === 'False' &&
        o.status?.observedGeneration === o.metadata.generation
          ? o
          : undefined,
      'Ready=False at the current generation',
    );

  it('a GitRepository with provider azure stalls naming spec.provider, and stores nothing', async () => {
    await env.apply(gitRepositoryKind, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'azure' },
      spec: { url: app.url, interval: '1h', provider: 'azure' },
    } satisfies Repo);
    const obj = await stalled<Repo>(gitRepositoryKind, 'azure');
    const ready = condition(obj, 'Ready');
    expect(ready?.reason).toBe('UnsupportedField');
    expect(ready?.message).toMatch(
      /^unsupported field set: spec\.provider: provider azure, github and aws .* are not supported; set provider generic/,
    );
    expect(condition(obj, 'Stalled')).toMatchObject({ status: 'True', reason: 'UnsupportedField' });
    expect(obj.status?.artifact).toBeUndefined();
  });

  it('a refused field set after a good artifact keeps that artifact, until it is removed', async () => {
    await env.apply(gitRepositoryKind, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'later' },
      spec: { url: app.url, interval: '1h', ref: { branch: 'main' } },
    } satisfies Repo);
    const good = await env.waitFor<Repo, Repo>(
      gitRepositoryKind,
      'later',
      (o) => (condition(o, 'Ready')?.status === 'True' ? o : undefined),
      'Ready=True',
    );
    const artifact = good.status?.artifact;
    expect(artifact?.revision).toBe(`main@sha1:${await app.head()}`);

    // A new commit, and in the same change refused fields (cloud identity, which stays refused
    // here: no test can reach a cloud): the new commit may not reach the artifact.
    await app.commit({ 'deploy/app.yaml': 'kind: ConfigMap\nv: 2\n' }, 'second');
    await env.client.patch(
      gitRepositoryKind,
      { namespace: env.namespace, name: 'later' },
      { spec: { provider: 'aws', serviceAccountName: 'codecommit-reader' } },
      { type: PatchType.Merge },
    );
    const refused = await stalled<Repo>(gitRepositoryKind, 'later');
    expect(condition(refused, 'Ready')?.message).toBe(
      'unsupported fields set: spec.provider: provider azure, github and aws (workload identity, GitHub App) are not supported; set provider generic (or remove it) and give credentials in spec.secretRef; spec.serviceAccountName: cloud workload identity is not supported; remove it and give credentials in spec.secretRef',
    );
    expect(refused.status?.artifact).toEqual(artifact);
    const response = await fetch(artifact?.url ?? '');
    expect(response.status).toBe(200);
    await response.arrayBuffer();

    await env.client.patch(
      gitRepositoryKind,
      { namespace: env.namespace, name: 'later' },
      { spec: { provider: 'generic', serviceAccountName: null } },
      { type: PatchType.Merge },
    );
    const head = await app.head();
    const again = await env.waitFor<Repo, Repo>(
      gitRepositoryKind,
      'later',
      (o) => (o.status?.artifact?.revision === `main@sha1:${head}` ? o : undefined),
      'the new revision once the refused fields are gone',
    );
    expect(condition(again, 'Ready')?.status).toBe('True');
    expect(condition(again, 'Stalled')).toBeUndefined();
  });

  it('a HelmRepository of type oci stalls naming spec.type', async () => {
    await env.apply(helmRepositoryKind, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmRepository',
      metadata: { name: 'oci' },
      spec: { url: 'oci://registry.test/charts', type: 'oci', interval: '1h' },
    } satisfies HelmRepo);
    const obj = await stalled<HelmRepo>(helmRepositoryKind, 'oci');
    expect(condition(obj, 'Ready')).toMatchObject({
      reason: 'UnsupportedField',
      message:
        "unsupported field set: spec.type: HelmRepository type 'oci' is not supported yet; use an HTTP(S) chart repository",
    });
    expect(obj.status?.artifact).toBeUndefined();
  });

  it('a HelmChart from a Bucket stalls naming spec.sourceRef.kind', async () => {
    await env.apply(helmChartKind, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmChart',
      metadata: { name: 'from-bucket' },
      spec: { chart: './charts/app', interval: '1h', sourceRef: { kind: 'Bucket', name: 'b' } },
    } satisfies Chart);
    const obj = await stalled<Chart>(helmChartKind, 'from-bucket');
    expect(condition(obj, 'Ready')).toMatchObject({
      reason: 'UnsupportedField',
      message:
        'unsupported field set: spec.sourceRef.kind: charts from a Bucket source are not supported yet; use a HelmRepository or a GitRepository',
    });
    expect(obj.status?.artifact).toBeUndefined();
  });
});

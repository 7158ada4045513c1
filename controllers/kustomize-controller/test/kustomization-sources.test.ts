import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ReconcilableObject } from '@tide/runtime';
import { publishGitRepository } from '@tide/test-support';
import { startKustomizeEnvironment, type KustomizeEnvironment } from './environment.js';
import {
  configMapKind,
  getOrUndefined,
  kustomization,
  waitNotReady,
  waitReady,
} from './fixtures.js';
import { type Artifact, PatchType, type KindRef } from '@tide/kube';
import { GitRepositoryGVK, KustomizationGVK } from '@tide/api';

const ociRepositoryKind: KindRef = {
  group: 'source.toolkit.fluxcd.io',
  version: 'v1',
  kind: 'OCIRepository',
  plural: 'ocirepositories',
  namespaced: true,
};
const bucketKind: KindRef = { ...ociRepositoryKind, kind: 'Bucket', plural: 'buckets' };

interface SourceObject extends ReconcilableObject {
  status?: { artifact?: Artifact };
}

describe('Kustomization from OCIRepository and Bucket artifacts', () => {
  let env: KustomizeEnvironment;
  let artifact: Artifact;

  beforeAll(async () => {
    env = await startKustomizeEnvironment('ks-sources');
    await publishGitRepository(env, 'app', {
      files: {
        'app/config.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  k: v\n',
      },
    });
    // No OCI registry or bucket here: the GitRepository's artifact stands in for theirs,
    // published in their status as their controllers would.
    artifact = await env.waitFor<SourceObject, Artifact>(
      GitRepositoryGVK,
      'app',
      (o) => o.status?.artifact,
      'artifact',
    );
  });
  afterAll(async () => {
    await env.stop();
  });

  const publish = async (kind: KindRef, name: string, spec: Record<string, unknown>) => {
    await env.apply(kind, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: kind.kind,
      metadata: { name },
      spec,
    });
    await env.client.patch(
      kind,
      { namespace: env.namespace, name },
      { status: { artifact } },
      { type: PatchType.Merge, subresource: 'status' },
    );
  };

  it.each([
    ['OCIRepository', ociRepositoryKind, { url: 'oci://registry.example/app', interval: '1h' }],
    ['Bucket', bucketKind, { bucketName: 'app', endpoint: 'minio.example', interval: '1h' }],
  ])('builds and applies the artifact of a %s', async (_what, kind, spec) => {
    const name = kind.kind.toLowerCase();
    await env.apply(
      KustomizationGVK,
      kustomization(name, name, {
        sourceRef: { kind: kind.kind as 'OCIRepository' | 'Bucket', name },
        path: './app',
        targetNamespace: env.namespace,
        namePrefix: `${name}-`,
      }),
    );
    // Before the source exists: a wait, not a failure of the spec.
    await waitNotReady(env, name, 'ArtifactFailed');
    await publish(kind, name, spec);
    const ready = await waitReady(env, name, artifact.revision);
    expect(ready.status?.inventory?.entries).toEqual([
      { id: `${env.namespace}_${name}-settings__ConfigMap`, v: 'v1' },
    ]);
    expect(await getOrUndefined(env, configMapKind, `${name}-settings`)).toBeDefined();
  });

  it('records the origin revision of the artifact (org.opencontainers.image.revision) as lastAppliedOriginRevision', async () => {
    const origin = 'main@sha1:0123456789abcdef0123456789abcdef01234567';
    await env.apply(
      KustomizationGVK,
      kustomization('origin', 'origin', {
        sourceRef: { kind: 'OCIRepository', name: 'origin' },
        path: './app',
        targetNamespace: env.namespace,
        namePrefix: 'origin-',
      }),
    );
    await env.apply(ociRepositoryKind, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'OCIRepository',
      metadata: { name: 'origin' },
      spec: { url: 'oci://registry.example/app', interval: '1h' },
    });
    await env.client.patch(
      ociRepositoryKind,
      { namespace: env.namespace, name: 'origin' },
      {
        status: {
          artifact: { ...artifact, metadata: { 'org.opencontainers.image.revision': origin } },
        },
      },
      { type: PatchType.Merge, subresource: 'status' },
    );
    const ready = await waitReady(env, 'origin', artifact.revision);
    expect(ready.status?.lastAppliedOriginRevision).toBe(origin);
    // A Git artifact carries no origin revision: the field stays unset.
    const fromGit = await waitReady(env, 'ocirepository', artifact.revision);
    expect(fromGit.status?.lastAppliedOriginRevision).toBeUndefined();
  });
});

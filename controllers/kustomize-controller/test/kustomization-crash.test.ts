import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GitRepositoryGVK, KustomizationGVK } from '@tide/api';
import { Storage, startArtifactServer, type ArtifactServer } from '@tide/artifact';
import {
  makeTempDir,
  sharedControlPlane,
  startApiProxy,
  startController,
  waitFor,
  type ApiProxy,
  type ControllerProcess,
  type SharedControlPlane,
  type TempDir,
} from '@tide/harness';
import { KubeClient, configMapKind, isApiError } from '@tide/kube';
import { publishArtifact } from '@tide/test-support';
import type { KustomizationObject } from './fixtures.js';

/**
 * Crash consistency (T11): kustomize-controller, as its own process, is killed (SIGKILL) after
 * it applied a revision that adds an object and before the status patch that records it. A
 * later revision drops the object; the restarted controller must prune it, so it needs a
 * record of the object that survived the crash.
 */
const fleet = { kind: GitRepositoryGVK, name: 'fleet' };

describe('Kustomization apply interrupted by a crash', () => {
  let plane: SharedControlPlane;
  let namespace: string;
  let client: KubeClient;
  let temp: TempDir;
  let server: ArtifactServer;
  let storage: Storage;
  let proxy: ApiProxy | undefined;
  const controllers: ControllerProcess[] = [];
  /** Only this test's objects: the controller runs on the shared control plane. */
  const selector = { 'tide.test/crash-run': randomBytes(4).toString('hex') };

  const publish = (files: Record<string, string>, revision: string) =>
    publishArtifact({ client, storage, namespace }, fleet, files, revision);
  const configMap = (name: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n  k: v\n`;
  const configMapPath = (name: string) => `/api/v1/namespaces/${namespace}/configmaps/${name}`;
  const statusPath = () =>
    `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${namespace}/kustomizations/apps/status`;
  const kustomization = () => client.get<KustomizationObject>(KustomizationGVK, namespace, 'apps');
  const exists = async (name: string) => {
    try {
      await client.get(configMapKind, namespace, name);
      return true;
    } catch (error) {
      if (isApiError(error, 404)) return false;
      throw error;
    }
  };
  const start = (kubeconfigPath: string) =>
    startController('kustomize-controller', {
      kubeconfigPath,
      workDir: temp.path,
      extraArgs: [
        `--watch-label-selector=${Object.entries(selector)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')}`,
      ],
    });
  const appliedRevision = (revision: string) =>
    waitFor(
      async () =>
        (await kustomization()).status?.lastAppliedRevision === revision ? true : undefined,
      { timeoutMs: 60_000, what: `Kustomization apps to apply ${revision}` },
    );

  beforeAll(async () => {
    plane = sharedControlPlane();
    namespace = await plane.createNamespace('ks-crash');
    client = new KubeClient({ kubeConfig: plane.kubeConfig });
    temp = await makeTempDir('ks-crash');
    const basePath = join(temp.path, 'artifacts');
    server = await startArtifactServer({ basePath, address: '127.0.0.1:0' });
    storage = new Storage({ basePath, advertisedAddress: server.address, retentionRecords: 3 });
    await storage.init();
    await client.create(GitRepositoryGVK, {
      apiVersion: GitRepositoryGVK.apiVersion,
      kind: GitRepositoryGVK.kind,
      metadata: { name: 'fleet', namespace, labels: selector },
      spec: { interval: '1h', url: 'https://git.invalid/fleet', ref: { branch: 'main' } },
    });
  });
  afterAll(async () => {
    await Promise.all(controllers.map((c) => c.stop()));
    await proxy?.stop();
    client.close();
    await server.close();
    await temp.remove();
  });

  it('prunes what the lost revision added once a later revision drops it', async () => {
    proxy = await startApiProxy({ issuer: plane.userIssuer, name: 'kustomize-controller' });
    const seen = proxy;
    await publish({ 'a.yaml': configMap('a') }, 'main@sha1:1');
    await client.create(KustomizationGVK, {
      apiVersion: KustomizationGVK.apiVersion,
      kind: KustomizationGVK.kind,
      metadata: { name: 'apps', namespace, labels: selector },
      spec: {
        interval: '1h',
        retryInterval: '1s',
        prune: true,
        path: './',
        sourceRef: { kind: 'GitRepository', name: 'fleet' },
      },
    });
    const first = await start(seen.kubeconfigPath);
    controllers.push(first);
    await appliedRevision('main@sha1:1');

    // Once b is applied for real, the Kustomization's status patches stall: the controller
    // is killed with b in the cluster and the patch that would record it never sent.
    const appliedB = () =>
      seen.writes.some(
        (w) =>
          w.method === 'PATCH' &&
          w.path === configMapPath('b') &&
          !w.dryRun &&
          w.status !== undefined &&
          w.status >= 200 &&
          w.status < 300,
      );
    const stall = seen.hold((request) => request.path === statusPath() && appliedB());
    await publish({ 'a.yaml': configMap('a'), 'b.yaml': configMap('b') }, 'main@sha1:2');
    await waitFor(() => Promise.resolve(stall.matched > 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the status patch after applying b',
    });
    await first.process.kill('SIGKILL');
    await seen.stop();
    proxy = undefined;
    expect(await exists('b')).toBe(true);
    const afterCrash = await kustomization();
    expect(afterCrash.status?.lastAppliedRevision).toBe('main@sha1:1');

    // The next revision drops b; a new controller process takes over.
    await publish({ 'a.yaml': configMap('a') }, 'main@sha1:3');
    const second = await start(plane.kubeconfigPath);
    controllers.push(second);
    await appliedRevision('main@sha1:3');
    const ids = (await kustomization()).status?.inventory?.entries.map((e) => e.id) ?? [];
    expect(ids).toEqual([`${namespace}_a__ConfigMap`]);
    expect(await exists('a')).toBe(true);
    expect(await exists('b')).toBe(false);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GitRepositoryGVK, KustomizationGVK, type Kustomization } from '@tide/api';
import { buildTarball, sha256Digest } from '@tide/artifact';
import { parseArtifactHosts, registerKustomizeReconcilers } from '@tide/kustomize-controller';
import { PatchType, isApiError, type Condition } from '@tide/kube';
import type { ReconcilableObject } from '@tide/runtime';
import {
  publishGitRepository,
  startControllerEnvironment,
  type ControllerEnvironment,
} from '@tide/test-support';

/**
 * SSRF through status.artifact.url (H6): anyone allowed to write a source's status can point
 * its artifact URL anywhere, and kustomize-controller, bound to cluster-admin, would download
 * (and apply) from there. With --artifact-hosts naming the artifact server, a URL on another
 * host is refused before any request: Ready=False (ArtifactFailed) names the field and the
 * allowed hosts, and the other server never sees a request.
 */
const configMapKind = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
};

const manifest = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  from: attacker\n`;

describe('artifact URL tampering', () => {
  let env: ControllerEnvironment;
  let attacker: Server;
  let attackerUrl: string;
  const hits: string[] = [];
  // A valid artifact, so that nothing but the host check stands between it and the cluster.
  const tarball = buildTarball([
    { path: 'app/cm.yaml', type: 'file', content: Buffer.from(manifest('planted')) },
  ]);

  beforeAll(async () => {
    attacker = createServer((request, response) => {
      hits.push(request.url ?? '');
      response.writeHead(200, { 'content-length': tarball.length }).end(tarball);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
    env = await startControllerEnvironment('sec-artifact-url', {
      name: 'kustomize-controller',
      register(manager, storage) {
        const reconciler = registerKustomizeReconcilers(manager, {
          options: {
            noCrossNamespaceRefs: false,
            artifactFetchRetries: 0,
            strictSubstitutions: false,
            // Only the environment's artifact server (host and port), as source-controller's.
            artifactHosts: parseArtifactHosts(storage.advertisedAddress),
          },
        });
        return () => reconciler.close();
      },
    });
  });
  afterAll(async () => {
    await env.stop();
    await new Promise((resolve) => attacker.close(resolve));
  });

  const kustomization = (name: string, source: string): Kustomization & ReconcilableObject => ({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name },
    spec: {
      interval: '1h',
      path: './app',
      prune: false,
      targetNamespace: env.namespace,
      sourceRef: { kind: 'GitRepository', name: source },
    },
  });

  const settledReady = (name: string) =>
    env.waitFor<ReconcilableObject, Condition>(
      KustomizationGVK,
      name,
      (obj) => obj.status?.conditions?.find((c) => c.type === 'Ready' && c.status !== 'Unknown'),
      'Ready settled',
    );

  const configMap = (name: string) =>
    env.client.get(configMapKind, env.namespace, name).catch((error: unknown) => {
      if (isApiError(error) && error.status === 404) return undefined;
      throw error;
    });

  it('applies from the allowed artifact server (the control case)', async () => {
    await publishGitRepository(env, 'honest', {
      files: { 'app/cm.yaml': manifest('honest').replace('attacker', 'source-controller') },
    });
    await env.apply(KustomizationGVK, kustomization('honest', 'honest'));
    expect((await settledReady('honest')).status).toBe('True');
    expect(await configMap('honest')).toBeDefined();
  });

  it.each([
    ['another port of the allowed host', 'other-port', () => `${attackerUrl}/a.tar.gz`],
    [
      'another name of the same address',
      'other-name',
      () => attackerUrl.replace('127.0.0.1', 'localhost') + '/a.tar.gz',
    ],
  ])('refuses a URL on %s before any request', async (_what, name, url) => {
    const source = await publishGitRepository(env, name, {
      files: { 'app/cm.yaml': manifest(`${name}-real`) },
    });
    const tampered = {
      path: `gitrepository/${env.namespace}/${name}/a.tar.gz`,
      url: url(),
      revision: `main@sha1:${source.head()}`,
      digest: sha256Digest(tarball),
      size: tarball.length,
      lastUpdateTime: '2026-12-03T00:00:00Z',
    };
    await env.client.patch(
      GitRepositoryGVK,
      { namespace: env.namespace, name },
      { status: { artifact: tampered } },
      { type: PatchType.Merge, subresource: 'status' },
    );
    const hitsBefore = hits.length;
    await env.apply(KustomizationGVK, kustomization(name, name));
    const ready = await settledReady(name);
    expect(ready.status).toBe('False');
    expect(ready.reason).toBe('ArtifactFailed');
    expect(ready.message).toContain(`status.artifact.url ${JSON.stringify(url())}`);
    expect(ready.message).toContain(`GitRepository/${env.namespace}/${name}`);
    expect(ready.message).toContain(`--artifact-hosts: ${env.storage.advertisedAddress}`);
    expect(hits.length).toBe(hitsBefore);
    expect(await configMap('planted')).toBeUndefined();
  });
});

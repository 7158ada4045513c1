import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GitRepositoryGVK, HelmChartGVK } from '@tide/api';
import { buildTarball, sha256Digest, type TarEntry } from '@tide/artifact';
import { startGitServer, type GitRepositoryFixture, type GitServer } from '@tide/harness';
import { PatchType, type Artifact, type Condition, type KindRef } from '@tide/kube';
import type { ReconcilableObject } from '@tide/runtime';
import { registerSourceReconcilers } from '@tide/source-controller';
import { startControllerEnvironment, type ControllerEnvironment } from '@tide/test-support';

/**
 * Cross-tenant reads through status.artifact.path (H6): anyone allowed to write a source's
 * status can point its artifact path at another tenant's artifact (or out of storage with
 * `../`) and drop the digest. source-controller read that path whenever another object used
 * the source (a GitRepository `include`, a HelmChart's sourceRef), so the victim's files
 * ended up in the attacker's own artifact. Now the includer is Ready=False with a message
 * naming the source and the field, and the victim's bytes are in none of its artifacts.
 */
const marker = 'VICTIM-PRIVATE-BYTES-5b1f';
const victimNamespace = 'victim-tenant';

type Source = ReconcilableObject & { status?: { artifact?: Artifact } };

const file = (path: string, text: string): TarEntry => ({
  path,
  type: 'file',
  content: Buffer.from(text),
});

describe('artifact path tampering', () => {
  let env: ControllerEnvironment;
  let git: GitServer;
  let app: GitRepositoryFixture;
  /** Another tenant's repository artifact and private chart package, in the same storage. */
  let victimRepository: Artifact;
  let victimChart: Artifact;
  /** A tarball beside the storage directory, reached with `../`. */
  let outside: { bytes: Buffer; relativePath: string };

  beforeAll(async () => {
    env = await startControllerEnvironment('sec-artifact-path', {
      name: 'source-controller',
      register(manager, storage) {
        registerSourceReconcilers(manager, {
          storage,
          options: {
            gitRepositoryMaxSize: 8 * 1024 * 1024,
            helmIndexMaxSize: 1024 * 1024,
            helmChartMaxSize: 1024 * 1024,
          },
        });
        return undefined;
      },
    });
    git = await startGitServer();
    app = await git.createRepository('tenant-app', { files: { 'app.yaml': 'app: attacker\n' } });
    const repositoryBytes = buildTarball([file('secrets/db.yaml', `password: ${marker}\n`)]);
    victimRepository = await env.storage.store(
      { kind: 'GitRepository', namespace: victimNamespace, name: 'private' },
      `${sha256Digest(repositoryBytes).slice('sha256:'.length)}.tar.gz`,
      repositoryBytes,
      { revision: 'main@sha1:0123456789abcdef0123456789abcdef01234567' },
    );
    const chartBytes = buildTarball([
      file('private/Chart.yaml', 'apiVersion: v2\nname: private\nversion: 1.0.0\n'),
      file('private/templates/secret.yaml', `kind: Secret\nstringData:\n  token: ${marker}\n`),
    ]);
    victimChart = await env.storage.store(
      { kind: 'HelmChart', namespace: victimNamespace, name: 'private' },
      'private-1.0.0.tgz',
      chartBytes,
      { revision: '1.0.0' },
    );
    const outsideBytes = buildTarball([file('etc/secret.yaml', `key: ${marker}\n`)]);
    await writeFile(join(dirname(env.storage.basePath), 'outside.tar.gz'), outsideBytes);
    outside = { bytes: outsideBytes, relativePath: '../outside.tar.gz' };
  });
  afterAll(async () => {
    await env.stop();
    await git.stop();
  });

  /**
   * A GitRepository the attacker controls, suspended so source-controller leaves its status
   * alone, whose status.artifact is `artifact`.
   */
  const bait = async (
    name: string,
    // An absent digest is left out of the patch (JSON has no undefined).
    artifact: Omit<Artifact, 'lastUpdateTime' | 'digest'> & { digest?: string | undefined },
  ) => {
    await env.apply(GitRepositoryGVK, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name },
      spec: { interval: '1h', url: app.url, suspend: true },
    });
    await env.client.patch(
      GitRepositoryGVK,
      { namespace: env.namespace, name },
      { status: { artifact: { ...artifact, lastUpdateTime: '2026-12-03T00:00:00Z' } } },
      { type: PatchType.Merge, subresource: 'status' },
    );
  };

  const settledReady = (kind: KindRef, name: string) =>
    env.waitFor<Source, Condition>(
      kind,
      name,
      (obj) => obj.status?.conditions?.find((c) => c.type === 'Ready' && c.status !== 'Unknown'),
      'Ready settled',
    );

  /** Every byte stored for an object (gunzipped where it is gzip), as one string. */
  const storedText = async (kind: string, name: string): Promise<string> => {
    const dir = join(env.storage.basePath, kind.toLowerCase(), env.namespace, name);
    const names = await readdir(dir).catch(() => [] as string[]);
    const texts = await Promise.all(
      names.map(async (entry) => {
        const bytes = await readFile(join(dir, entry));
        return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString();
      }),
    );
    return texts.join('\n');
  };

  const rows = () => [
    {
      name: "another tenant's artifact, without a digest",
      field: 'path',
      artifact: { ...victimRepository, digest: undefined },
    },
    {
      name: "another tenant's artifact, with its real digest",
      field: 'path',
      artifact: victimRepository,
    },
    {
      name: 'a file out of storage through ../',
      field: 'path',
      artifact: {
        ...victimRepository,
        path: outside.relativePath,
        digest: sha256Digest(outside.bytes),
        size: outside.bytes.length,
      },
    },
    {
      name: "another tenant's artifact through ../ from its own directory",
      field: 'path',
      artifact: {
        ...victimRepository,
        path: `gitrepository/${env.namespace}/BAIT/../../../${victimRepository.path}`,
      },
    },
  ];

  it.each(
    [
      "another tenant's artifact, without a digest",
      "another tenant's artifact, with its real digest",
      'a file out of storage through ../',
      "another tenant's artifact through ../ from its own directory",
    ].map((name, index) => ({ name, index })),
  )('GitRepository include of a status naming $name', async ({ name, index }) => {
    const row = rows()[index];
    expect(row?.name).toBe(name);
    if (row === undefined) throw new Error(`no row ${String(index)}`);
    const baitName = `bait-include-${String(index)}`;
    const includer = `includer-${String(index)}`;
    const { digest, ...rest } = row.artifact;
    await bait(baitName, {
      ...rest,
      path: rest.path.replace('BAIT', baitName),
      ...(digest === undefined ? {} : { digest }),
    });
    await env.apply(GitRepositoryGVK, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: includer },
      spec: {
        interval: '1h',
        url: app.url,
        ref: { branch: 'main' },
        include: [{ repository: { name: baitName } }],
      },
    });
    const ready = await settledReady(GitRepositoryGVK, includer);
    expect(ready.status).toBe('False');
    expect(ready.reason).toBe('IncludeUnavailable');
    expect(ready.message).toContain(`included GitRepository '${baitName}'`);
    expect(ready.message).toContain(`status.artifact.${row.field}`);
    expect(ready.message).toContain(`GitRepository ${env.namespace}/${baitName}`);
    expect(ready.message).toContain(
      `remove status.artifact of GitRepository ${env.namespace}/${baitName}`,
    );
    expect(ready.message).toContain('gitrepositories/status');
    expect(await storedText('GitRepository', includer)).not.toContain(marker);
  });

  it('GitRepository include of its own path without a digest is refused', async () => {
    const bytes = buildTarball([file('own.yaml', 'own: true\n')]);
    const owner = { kind: 'GitRepository', namespace: env.namespace, name: 'bait-no-digest' };
    const stored = await env.storage.store(owner, 'own.tar.gz', bytes, { revision: 'main@sha1:1' });
    await bait('bait-no-digest', { ...stored, digest: undefined });
    await env.apply(GitRepositoryGVK, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'includer-no-digest' },
      spec: {
        interval: '1h',
        url: app.url,
        ref: { branch: 'main' },
        include: [{ repository: { name: 'bait-no-digest' } }],
      },
    });
    const ready = await settledReady(GitRepositoryGVK, 'includer-no-digest');
    expect(ready.status).toBe('False');
    expect(ready.message).toContain('status.artifact.digest');
    expect(ready.message).toContain(`GitRepository ${env.namespace}/bait-no-digest`);
  });

  it.each([
    ['with its real digest', true],
    ['without a digest', false],
  ])(
    "HelmChart from a GitRepository whose status names another tenant's chart, %s",
    async (_what, withDigest) => {
      const baitName = `bait-chart-${withDigest ? 'digest' : 'plain'}`;
      const chartName = `chart-${withDigest ? 'digest' : 'plain'}`;
      const { digest, ...rest } = victimChart;
      await bait(baitName, { ...rest, ...(withDigest ? { digest } : {}) });
      await env.apply(HelmChartGVK, {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'HelmChart',
        metadata: { name: chartName },
        spec: {
          interval: '1h',
          chart: 'private',
          sourceRef: { kind: 'GitRepository', name: baitName },
        },
      });
      const ready = await settledReady(HelmChartGVK, chartName);
      expect(ready.status).toBe('False');
      expect(ready.message).toContain(`GitRepository ${env.namespace}/${baitName}`);
      expect(ready.message).toContain('status.artifact.path');
      expect(ready.message).toContain(JSON.stringify(victimChart.path));
      expect(await storedText('HelmChart', chartName)).not.toContain(marker);
    },
  );
});

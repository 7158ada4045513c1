import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConditionType, type HelmChart, type HelmRepository } from '@tide/api';
import {
  createMutualTlsFixture,
  makeTempDir,
  startChartRepository,
  type ChartRepository,
  type MutualTlsFixture,
  type TempDir,
} from '@tide/harness';
import type { ReconcilableObject } from '@tide/runtime';
import { helmChartKind, helmRepositoryKind } from '../src/kinds.js';
import { startSourceEnvironment, type SourceEnvironment } from './environment.js';

type Source = ReconcilableObject & {
  status?: { artifact?: { revision: string; url: string; digest?: string } };
};

const ready = (obj: Source) => obj.status?.conditions?.find((c) => c.type === ConditionType.Ready);

function helmRepository(name: string, spec: Partial<HelmRepository['spec']> & { url: string }) {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'HelmRepository',
    metadata: { name },
    spec: { interval: '1h', ...spec },
  } as HelmRepository & Source;
}

function helmChart(name: string, repository: string) {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'HelmChart',
    metadata: { name },
    spec: {
      interval: '1h',
      chart: 'podinfo',
      version: '1.x',
      sourceRef: { kind: 'HelmRepository', name: repository },
    },
  } as HelmChart & Source;
}

// A chart repository over https that requires client certificates: the index and the chart
// download both need the HelmRepository's TLS material.
describe('HelmRepository mTLS and spec.timeout', () => {
  let env: SourceEnvironment;
  let pkiDir: TempDir;
  let tls: MutualTlsFixture;
  let charts: ChartRepository;
  let stalling: ChartRepository;

  beforeAll(async () => {
    env = await startSourceEnvironment('helm-mtls');
    pkiDir = await makeTempDir('helm-mtls-pki');
    tls = await createMutualTlsFixture(pkiDir.path);
    charts = await startChartRepository({
      charts: [{ name: 'podinfo', version: '1.0.0' }],
      tls: tls.serving,
    });
    stalling = await startChartRepository({
      charts: [{ name: 'podinfo', version: '1.0.0' }],
      stall: (path) => path.endsWith('.tgz'),
    });
  });
  afterAll(async () => {
    await env.stop();
    await charts.stop();
    await stalling.stop();
    await pkiDir.remove();
  });

  const settled = (kind: typeof helmChartKind, name: string, status: 'True' | 'False') =>
    env.readyIs<Source>(kind, name, status);

  it('fetches the index and downloads the chart with the certSecretRef client certificate', async () => {
    await env.secret('repo-tls', {
      'tls.crt': tls.client.certPem,
      'tls.key': tls.client.keyPem,
      'ca.crt': tls.caPem,
    });
    await env.apply(
      helmRepositoryKind,
      helmRepository('mtls', { url: charts.url, certSecretRef: { name: 'repo-tls' } }),
    );
    const repository = await settled(helmRepositoryKind, 'mtls', 'True');
    expect(repository.status?.artifact?.revision).toMatch(/^sha256:[a-f0-9]{64}$/);
    await env.apply(helmChartKind, helmChart('mtls-chart', 'mtls'));
    const chart = await settled(helmChartKind, 'mtls-chart', 'True');
    expect(chart.status?.artifact?.revision).toBe('1.0.0');
  });

  it("accepts Flux's deprecated secretRef certFile/keyFile/caFile keys when certSecretRef is unset", async () => {
    await env.secret('legacy-tls', {
      certFile: tls.client.certPem,
      keyFile: tls.client.keyPem,
      caFile: tls.caPem,
    });
    await env.apply(
      helmRepositoryKind,
      helmRepository('legacy', { url: charts.url, secretRef: { name: 'legacy-tls' } }),
    );
    await settled(helmRepositoryKind, 'legacy', 'True');
    await env.apply(helmChartKind, helmChart('legacy-chart', 'legacy'));
    const chart = await settled(helmChartKind, 'legacy-chart', 'True');
    expect(chart.status?.artifact?.revision).toBe('1.0.0');
  });

  it('without a client certificate, fails naming the repository and spec.certSecretRef', async () => {
    await env.secret('repo-ca-only', { 'ca.crt': tls.caPem });
    await env.apply(
      helmRepositoryKind,
      helmRepository('no-cert', { url: charts.url, certSecretRef: { name: 'repo-ca-only' } }),
    );
    const obj = await settled(helmRepositoryKind, 'no-cert', 'False');
    const message = ready(obj)?.message ?? '';
    expect(message).toContain(`HelmRepository ${env.namespace}/no-cert`);
    expect(message).toContain(
      'the server requires a TLS client certificate; set tls.crt and tls.key in spec.certSecretRef',
    );
    expect(obj.status?.artifact).toBeUndefined();
  });

  it('with a client certificate of another CA, fails naming spec.certSecretRef', async () => {
    await env.secret('repo-foreign', {
      'tls.crt': tls.foreignClient.certPem,
      'tls.key': tls.foreignClient.keyPem,
      'ca.crt': tls.caPem,
    });
    await env.apply(
      helmRepositoryKind,
      helmRepository('foreign', { url: charts.url, certSecretRef: { name: 'repo-foreign' } }),
    );
    const obj = await settled(helmRepositoryKind, 'foreign', 'False');
    const message = ready(obj)?.message ?? '';
    expect(message).toContain(`HelmRepository ${env.namespace}/foreign`);
    expect(message).toContain('TLS client certificate of spec.certSecretRef (tls.crt/tls.key)');
    expect(obj.status?.artifact).toBeUndefined();
  });

  it('refuses tls.crt without tls.key in certSecretRef by name, and stalls', async () => {
    await env.secret('repo-half', { 'tls.crt': tls.client.certPem });
    await env.apply(
      helmRepositoryKind,
      helmRepository('half', { url: charts.url, certSecretRef: { name: 'repo-half' } }),
    );
    const obj = await settled(helmRepositoryKind, 'half', 'False');
    expect(obj.status?.conditions?.find((c) => c.type === ConditionType.Stalled)?.status).toBe(
      'True',
    );
    expect(ready(obj)?.message).toContain(
      "spec.certSecretRef 'repo-half' has 'tls.crt' but no 'tls.key'",
    );
  });

  it('refuses a client certificate for a plain http repository by name, and stalls', async () => {
    await env.apply(
      helmRepositoryKind,
      helmRepository('cert-over-http', {
        url: stalling.url,
        certSecretRef: { name: 'repo-tls' },
      }),
    );
    const obj = await settled(helmRepositoryKind, 'cert-over-http', 'False');
    expect(obj.status?.conditions?.find((c) => c.type === ConditionType.Stalled)?.status).toBe(
      'True',
    );
    expect(ready(obj)?.message).toContain(
      'the certSecretRef holds a TLS client certificate (tls.crt/tls.key), which is only presented over https',
    );
  });

  it("bounds a stalled chart download by the HelmRepository's spec.timeout", async () => {
    await env.apply(
      helmRepositoryKind,
      helmRepository('slow', { url: stalling.url, timeout: '2s' }),
    );
    await settled(helmRepositoryKind, 'slow', 'True');
    const started = Date.now();
    await env.apply(helmChartKind, helmChart('slow-chart', 'slow'));
    const obj = await settled(helmChartKind, 'slow-chart', 'False');
    const elapsedMs = Date.now() - started;
    expect(ready(obj)?.message).toContain('timed out after 2000ms');
    expect(ready(obj)?.message).toContain('failed to download chart podinfo 1.0.0');
    // 2 s of spec.timeout plus scheduling; the old fixed bound was 60 s.
    expect(elapsedMs).toBeLessThan(10_000);
    process.stdout.write(`stalled chart download failed after ${elapsedMs}ms (spec.timeout 2s)\n`);
  });
});

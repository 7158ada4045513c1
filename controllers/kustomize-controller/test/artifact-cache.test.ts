import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buildTarball, sha256Digest } from '@tide/artifact';
import { makeTempDir, type TempDir } from '@tide/harness';
import { ArtifactCache, artifactCacheKey } from '../src/artifact-cache.js';
import { parseArtifactHost } from '../src/artifact-hosts.js';

/** A real HTTP server holding tarballs by name and counting the requests for each. */
describe('ArtifactCache', () => {
  const tarballs = new Map<string, Buffer>();
  const requests = new Map<string, number>();
  let server: Server;
  let base: string;
  let temp: TempDir;
  let cache: ArtifactCache;

  const publish = (name: string, files: Record<string, string>) => {
    const bytes = buildTarball(
      Object.entries(files).map(([path, text]) => ({
        path,
        type: 'file' as const,
        content: Buffer.from(text),
      })),
    );
    tarballs.set(name, bytes);
    return {
      display: `GitRepository/ns/${name}`,
      artifact: {
        path: name,
        url: `${base}/${name}`,
        revision: `main@sha1:${name}`,
        digest: sha256Digest(bytes),
        lastUpdateTime: '2026-01-01T00:00:00Z',
        size: bytes.length,
      },
    };
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const name = (req.url ?? '').slice(1);
      requests.set(name, (requests.get(name) ?? 0) + 1);
      const bytes = tarballs.get(name);
      res.writeHead(bytes === undefined ? 404 : 200).end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(async () => {
    temp = await makeTempDir('artifact-cache');
    cache = new ArtifactCache({ workDir: temp.path, retries: 0, keepIdle: 2 });
  });
  afterEach(async () => {
    await cache.close();
    await temp.remove();
  });

  it('downloads an artifact once for reconciles asking at the same time', async () => {
    const source = publish('shared.tar.gz', { 'app/a.yaml': 'kind: A\n' });
    const [first, second] = await Promise.all([cache.acquire(source), cache.acquire(source)]);
    expect(first.root).toBe(second.root);
    expect(await readFile(join(first.root, 'app/a.yaml'), 'utf8')).toBe('kind: A\n');
    first.release();
    second.release();
    const third = await cache.acquire(source);
    expect(third.root).toBe(first.root);
    third.release();
    expect(requests.get('shared.tar.gz')).toBe(1);
  });

  it('removes the least recently used idle trees beyond keepIdle, never a held one', async () => {
    const held = await cache.acquire(publish('held.tar.gz', { 'h.yaml': 'h\n' }));
    const roots: string[] = [];
    for (const name of ['one', 'two', 'three']) {
      const lease = await cache.acquire(publish(`${name}.tar.gz`, { 'x.yaml': `${name}\n` }));
      roots.push(lease.root);
      lease.release();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(cache.size).toBe(3);
    expect(existsSync(roots[0] ?? '')).toBe(false);
    expect(existsSync(roots[2] ?? '')).toBe(true);
    expect(existsSync(held.root)).toBe(true);
    held.release();
  });

  it('does not keep a failed download: the next acquire fetches again', async () => {
    const source = publish('flaky.tar.gz', { 'a.yaml': 'a\n' });
    const wrong = {
      ...source,
      artifact: { ...source.artifact, digest: sha256Digest(Buffer.from('x')) },
    };
    await expect(cache.acquire(wrong)).rejects.toThrow(
      /fetching artifact of GitRepository\/ns\/flaky/,
    );
    expect(cache.size).toBe(0);
    const lease = await cache.acquire(source);
    lease.release();
    expect(requests.get('flaky.tar.gz')).toBe(2);
  });

  it('removes every tree on close', async () => {
    const lease = await cache.acquire(publish('closing.tar.gz', { 'a.yaml': 'a\n' }));
    await cache.close();
    expect(existsSync(lease.root)).toBe(false);
    await expect(cache.acquire(publish('late.tar.gz', { 'a.yaml': 'a\n' }))).rejects.toThrow(
      /closed/,
    );
  });

  it('keys trees by URL and digest: claiming a digest does not hand over its tree', async () => {
    const victim = publish('victim.tar.gz', { 'secret.yaml': 'victim\n' });
    const held = await cache.acquire(victim);
    // Another source whose status copies the victim's digest but names its own URL.
    const claimant = {
      display: 'GitRepository/attacker/app',
      artifact: { ...victim.artifact, url: `${base}/claimant.tar.gz` },
    };
    expect(artifactCacheKey(claimant)).not.toBe(artifactCacheKey(victim));
    expect(artifactCacheKey({ ...victim, display: 'GitRepository/other/name' })).toBe(
      artifactCacheKey(victim),
    );
    await expect(cache.acquire(claimant)).rejects.toThrow(/claimant\.tar\.gz/);
    expect(requests.get('claimant.tar.gz')).toBe(1);
    held.release();
  });

  it('refuses a URL on a host not in artifactHosts without requesting it', async () => {
    const guarded = new ArtifactCache({
      workDir: temp.path,
      retries: 0,
      artifactHosts: [parseArtifactHost('source-controller.flux-system.svc.cluster.local.')],
    });
    try {
      const source = publish('elsewhere.tar.gz', { 'a.yaml': 'a\n' });
      await expect(guarded.acquire(source)).rejects.toThrow(
        /status\.artifact\.url "http:\/\/127\.0\.0\.1:\d+\/elsewhere\.tar\.gz" of GitRepository\/ns\/elsewhere\.tar\.gz is not on an allowed artifact host \(--artifact-hosts: source-controller\.flux-system\.svc\.cluster\.local\.\)/,
      );
      expect(requests.get('elsewhere.tar.gz')).toBeUndefined();
      expect(guarded.size).toBe(0);
    } finally {
      await guarded.close();
    }
  });
});

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildTarball, fetchArtifact, sha256Digest } from '@tide/artifact';
import { makeTempDir, type TempDir } from '@tide/harness';
import { ArtifactCache } from '../src/artifact-cache.js';

/**
 * The artifact fetch under the reconcile's deadline (M8): a signal ends the attempt in
 * flight and the backoff between attempts, so attempts × retries never outlast it; in the
 * shared cache, one reconcile giving up does not end a download another still waits for,
 * and the last one giving up ends it. Against a real HTTP server that fails, hangs or
 * answers slowly on request.
 */
describe('artifact fetch deadline', () => {
  const bytes = buildTarball([{ path: 'a.yaml', type: 'file', content: Buffer.from('a: 1\n') }]);
  const digest = sha256Digest(bytes);
  let server: Server;
  let base: string;
  let temp: TempDir;
  let cache: ArtifactCache;
  const requests = new Map<string, number>();
  /** Requests whose client went away before an answer. */
  const abandoned = new Map<string, number>();
  const routes: Record<string, (res: ServerResponse) => void> = {
    '/failing': (res) => res.writeHead(503).end(),
    '/hanging': () => undefined,
    '/slow': (res) =>
      setTimeout(() => {
        if (!res.destroyed) res.writeHead(200).end(bytes);
      }, 1500),
  };

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const path = req.url ?? '';
      requests.set(path, (requests.get(path) ?? 0) + 1);
      res.on('close', () => {
        if (!res.writableEnded) abandoned.set(path, (abandoned.get(path) ?? 0) + 1);
      });
      (routes[path] ?? ((r: ServerResponse) => r.writeHead(404).end()))(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(async () => {
    requests.clear();
    abandoned.clear();
    temp = await makeTempDir('artifact-deadline');
    cache = new ArtifactCache({ workDir: temp.path, retries: 9 });
  });
  afterEach(async () => {
    await cache.close();
    await temp.remove();
  });

  const reason = () =>
    new Error('artifact fetch and build did not finish within spec.timeout (1s)');
  const timed = async (action: () => Promise<unknown>) => {
    const started = Date.now();
    const error = await action().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    return { error, ms: Date.now() - started };
  };
  const source = (path: string) => ({
    display: 'GitRepository/ns/fleet',
    owner: { kind: 'GitRepository', namespace: 'ns', name: 'fleet' },
    artifact: {
      path: 'fleet.tar.gz',
      url: `${base}${path}`,
      revision: 'main@sha1:1',
      digest,
      lastUpdateTime: '2026-01-01T00:00:00Z',
      size: bytes.length,
    },
  });

  it.each([
    ['5xx answers, nine retries with backoff (about 24 s without a deadline)', '/failing'],
    ['a server that never answers (60 s per attempt without a deadline)', '/hanging'],
  ])('%s: fetchArtifact ends at the deadline', async (_name, path) => {
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort(reason());
    }, 600);
    const { error, ms } = await timed(() =>
      fetchArtifact({ url: `${base}${path}`, digest, retries: 9, signal: controller.signal }),
    );
    expect((error as Error).message).toBe(reason().message);
    expect(ms).toBeLessThan(3000);
  });

  it('a reconcile that gives up leaves the shared download to the one still waiting', async () => {
    const impatient = new AbortController();
    const first = cache.acquire(source('/slow'), impatient.signal);
    const second = cache.acquire(source('/slow'), new AbortController().signal);
    setTimeout(() => {
      impatient.abort(reason());
    }, 200);
    await expect(first).rejects.toThrow(
      "fetching artifact of GitRepository/ns/fleet (revision 'main@sha1:1'): artifact fetch and build did not finish within spec.timeout (1s)",
    );
    const lease = await second;
    lease.release();
    expect(requests.get('/slow')).toBe(1);
    expect(abandoned.get('/slow')).toBeUndefined();
  });

  it('the last reconcile giving up ends the download', async () => {
    const controller = new AbortController();
    const waiting = cache.acquire(source('/hanging'), controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort(reason());
    await expect(waiting).rejects.toThrow(/did not finish within spec\.timeout \(1s\)/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(requests.get('/hanging')).toBe(1);
    expect(abandoned.get('/hanging')).toBe(1);
    expect(cache.size).toBe(0);
  });
});

import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { httpRequest, makeTempDir, waitFor, type TempDir } from '@tide/harness';

/**
 * The artifact server racing garbage collection and clients that go away (T12, M6), on a
 * real server with real files. Retention GC may remove a file between the server's stat and
 * its open; to hit that window every time, `stat` from node:fs/promises is wrapped so that
 * it removes the file right after the real stat returned, just as GC running at that moment
 * would. Everything else is the real filesystem.
 */

/** Files to remove as soon as the server has stat'ed them. */
const removeAfterStat = new Set<string>();

const racingStat = (async (...args: Parameters<typeof fs.stat>) => {
  const info = await fs.stat(...args);
  const path = String(args[0]);
  if (removeAfterStat.delete(path)) await fs.rm(path);
  return info;
}) as typeof fs.stat;

jest.unstable_mockModule('node:fs/promises', () => ({ ...fs, default: fs, stat: racingStat }));
// Imported after the wrapper is in place, so the server's own `stat` is the racing one.
const { startArtifactServer } = await import('@tide/artifact');
type ArtifactServer = Awaited<ReturnType<typeof startArtifactServer>>;

/** The paths of this process's open descriptors. */
async function openFiles(): Promise<string[]> {
  const fds = await fs.readdir('/proc/self/fd');
  const targets = await Promise.all(
    fds.map((fd) => fs.readlink(`/proc/self/fd/${fd}`).catch(() => '')),
  );
  return targets.filter((target) => target !== '');
}

describe('artifact server racing garbage collection', () => {
  let temp: TempDir;
  let server: ArtifactServer;
  let base: string;

  const place = async (name: string, content: Buffer) => {
    const dir = join(base, 'gitrepository', 'gc-race', name);
    await fs.mkdir(dir, { recursive: true });
    const file = join(dir, 'artifact.tar.gz');
    await fs.writeFile(file, content);
    return { file, url: `http://${server.address}/gitrepository/gc-race/${name}/artifact.tar.gz` };
  };

  beforeAll(async () => {
    temp = await makeTempDir('artifact-gc-race');
    base = join(temp.path, 'storage');
    server = await startArtifactServer({ basePath: base, address: '127.0.0.1:0' });
  });
  afterAll(async () => {
    await server.close();
    await temp.remove();
  });

  it('a file removed between stat and open is a 404, and the server keeps serving', async () => {
    const gone = await place('collected', randomBytes(1024));
    const kept = await place('kept', randomBytes(4096));
    removeAfterStat.add(gone.file);

    const answer = await httpRequest(gone.url, { timeoutMs: 5000 });
    expect(removeAfterStat.has(gone.file)).toBe(false);
    expect(answer.status).toBe(404);
    await expect(fs.stat(gone.file)).rejects.toThrow(/ENOENT/);

    const next = await httpRequest(kept.url, { timeoutMs: 5000 });
    expect(next.status).toBe(200);
    expect(next.body).toEqual(await fs.readFile(kept.file));
  });

  it('a client that aborts a download leaves no descriptor open on the artifact', async () => {
    const content = randomBytes(16 * 1024 * 1024);
    const big = await place('big', content);
    const before = await openFiles();
    expect(before).not.toContain(big.file);

    // Read the first bytes of the body, then go away without reading the rest.
    await new Promise<void>((resolve, reject) => {
      const { hostname, port } = new URL(big.url);
      const socket = connect(Number(port), hostname);
      socket.on('error', reject);
      socket.once('data', () => {
        socket.destroy();
        resolve();
      });
      socket.write(`GET ${new URL(big.url).pathname} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
    });

    await waitFor(async () => ((await openFiles()).includes(big.file) ? undefined : true), {
      timeoutMs: 5000,
      intervalMs: 50,
      what: `the server to close ${big.file}`,
    });
    expect((await openFiles()).length).toBeLessThanOrEqual(before.length);

    // The server is fine afterwards and serves the same file whole.
    const again = await httpRequest(big.url, { timeoutMs: 10_000 });
    expect(again.status).toBe(200);
    expect(createHash('sha256').update(again.body).digest('hex')).toBe(
      createHash('sha256').update(content).digest('hex'),
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { httpRequest, makeTempDir, type TempDir } from '@tide/harness';
import {
  ArtifactFetchError,
  Storage,
  buildTarball,
  extractTarball,
  fetchArtifact,
  fetchArtifactToFile,
  sha256Digest,
  startArtifactServer,
  writeTarball,
  type ArtifactServer,
} from '../src/index.js';

const owner = { kind: 'GitRepository', namespace: 'apps', name: 'podinfo' };
const tarOf = (s: string) =>
  buildTarball([{ path: 'f.txt', type: 'file', content: Buffer.from(s) }]);

describe('artifact storage, server and client', () => {
  let temp: TempDir;
  let storage: Storage;
  let server: ArtifactServer;

  beforeAll(async () => {
    temp = await makeTempDir('artifact-storage');
    server = await startArtifactServer({
      basePath: join(temp.path, 'data'),
      address: '127.0.0.1:0',
    });
    storage = new Storage({
      basePath: join(temp.path, 'data'),
      advertisedAddress: server.address,
      retentionRecords: 2,
    });
    await storage.init();
  });
  afterAll(async () => {
    await server.close();
    await temp.remove();
  });

  it('stores under <kind>/<namespace>/<name>/<file> and serves the same bytes at the artifact URL', async () => {
    const bytes = tarOf('one');
    const artifact = await storage.store(owner, 'aaa.tar.gz', bytes, { revision: 'main@sha1:abc' });
    expect(artifact).toMatchObject({
      path: 'gitrepository/apps/podinfo/aaa.tar.gz',
      url: `http://${server.address}/gitrepository/apps/podinfo/aaa.tar.gz`,
      revision: 'main@sha1:abc',
      digest: sha256Digest(bytes),
      size: bytes.length,
    });
    expect(artifact.lastUpdateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const downloaded = await fetchArtifact({ url: artifact.url, digest: artifact.digest });
    expect(downloaded.equals(bytes)).toBe(true);
    expect(await storage.has(artifact)).toBe(true);
  });

  it('keeps the newest retention records per object and removes the rest', async () => {
    const gcOwner = { ...owner, name: 'gc' };
    for (const n of [1, 2, 3, 4]) {
      await storage.store(gcOwner, `rev${n}.tar.gz`, tarOf(String(n)), { revision: `r${n}` });
      await new Promise((resolve) => setTimeout(resolve, 15)); // distinct mtimes
    }
    const files = await readdir(join(storage.basePath, 'gitrepository/apps/gc'));
    expect(files.sort()).toEqual(['rev3.tar.gz', 'rev4.tar.gz']);
    await storage.removeAll(gcOwner);
    expect(existsSync(join(storage.basePath, 'gitrepository/apps/gc'))).toBe(false);
  });

  it.each([
    ['/gitrepository/apps/podinfo/missing.tar.gz'],
    ['/../../../../etc/ssl/certs/ca-certificates.crt'],
    ['/gitrepository/apps/podinfo/.tmp-partial'],
    ['/gitrepository/apps/podinfo/%2e%2e%2f%2e%2e%2fetc'],
    ['/gitrepository/apps/podinfo'],
  ])('answers 404 for %s', async (path) => {
    const response = await httpRequest(`http://${server.address}${path}`);
    expect(response.status).toBe(404);
  });

  it('rejects a digest mismatch with a message naming both digests', async () => {
    const artifact = await storage.store(owner, 'bbb.tar.gz', tarOf('two'), { revision: 'r' });
    const wrong = sha256Digest(Buffer.from('something else'));
    const failure = fetchArtifact({ url: artifact.url, digest: wrong, retries: 0 });
    await expect(failure).rejects.toBeInstanceOf(ArtifactFetchError);
    await expect(failure).rejects.toMatchObject({ reason: 'DigestMismatch' });
    await expect(failure).rejects.toThrow(`want ${wrong}, got ${artifact.digest}`);
  });

  it('reports NotFound, TooLarge and Unreachable as typed reasons', async () => {
    const artifact = await storage.store(owner, 'ccc.tar.gz', tarOf('three'), { revision: 'r' });
    await expect(
      fetchArtifact({ url: `${artifact.url}.nope`, digest: artifact.digest, retries: 0 }),
    ).rejects.toMatchObject({ reason: 'NotFound' });
    await expect(
      fetchArtifact({ url: artifact.url, digest: artifact.digest, maxSize: 10, retries: 0 }),
    ).rejects.toMatchObject({ reason: 'TooLarge' });
    await expect(
      fetchArtifact({ url: 'http://127.0.0.1:1/x.tar.gz', digest: artifact.digest, retries: 1 }),
    ).rejects.toMatchObject({ reason: 'Unreachable' });
  });

  it('fetches into a file, hashing while it writes, and extracts from the file', async () => {
    const bytes = tarOf('to disk');
    const artifact = await storage.store(owner, 'file.tar.gz', bytes, { revision: 'r' });
    const path = join(temp.path, 'fetched.tar.gz');
    await fetchArtifactToFile({ url: artifact.url, digest: artifact.digest, path });
    expect((await readFile(path)).equals(bytes)).toBe(true);
    const out = join(temp.path, 'fetched');
    await extractTarball({ file: path }, out);
    expect(await readFile(join(out, 'f.txt'), 'utf8')).toBe('to disk');
  });

  it('removes the file of a fetch that fails its digest or its size', async () => {
    const artifact = await storage.store(owner, 'file2.tar.gz', tarOf('two'), { revision: 'r' });
    const path = join(temp.path, 'refused.tar.gz');
    const wrong = sha256Digest(Buffer.from('something else'));
    await expect(
      fetchArtifactToFile({ url: artifact.url, digest: wrong, path, retries: 0 }),
    ).rejects.toMatchObject({ reason: 'DigestMismatch' });
    expect(existsSync(path)).toBe(false);
    await expect(
      fetchArtifactToFile({ url: artifact.url, digest: artifact.digest, path, maxSize: 10 }),
    ).rejects.toMatchObject({ reason: 'TooLarge' });
    expect(existsSync(path)).toBe(false);
    await expect(
      fetchArtifactToFile({ url: `${artifact.url}.nope`, digest: artifact.digest, path }),
    ).rejects.toThrow(/^artifact http:\/\/127\.0\.0\.1:\d+\/.*: not found \(HTTP 404\)$/);
    expect(existsSync(path)).toBe(false);
  });

  it('retries a server error and succeeds when the server recovers', async () => {
    const bytes = tarOf('flaky');
    let calls = 0;
    const flaky: Server = createServer((_req, res) => {
      calls += 1;
      if (calls < 3) res.writeHead(503).end();
      else res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
    });
    await new Promise<void>((resolve) =>
      flaky.listen(0, '127.0.0.1', () => {
        resolve();
      }),
    );
    const address = flaky.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const got = await fetchArtifact({
        url: `http://127.0.0.1:${port}/a.tar.gz`,
        digest: sha256Digest(bytes),
        retries: 3,
      });
      expect(got.equals(bytes)).toBe(true);
      expect(calls).toBe(3);
    } finally {
      flaky.closeAllConnections();
      await new Promise((resolve) => flaky.close(resolve));
    }
  });

  it('never leaves a partial file visible: writes land whole or not at all', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 7);
    await storage.store(owner, 'big.tar.gz', big, { revision: 'r' });
    const names = await readdir(join(storage.basePath, 'gitrepository/apps/podinfo'));
    expect(names.filter((n) => n.startsWith('.'))).toEqual([]);
    expect(
      (await readFile(join(storage.basePath, 'gitrepository/apps/podinfo/big.tar.gz'))).length,
    ).toBe(big.length);
    await writeFile(join(temp.path, 'unused'), '');
  });

  it('stores a streamed tarball under a name made from its digest', async () => {
    const entries = [{ path: 'a.yaml', type: 'file' as const, content: Buffer.from('a: 1\n') }];
    const artifact = await storage.storeStreamed(
      owner,
      (digest) => `${digest.slice('sha256:'.length)}.tar.gz`,
      (sink) => writeTarball(entries, sink),
      { revision: 'main@sha1:abc' },
    );
    const expected = buildTarball(entries);
    expect(artifact).toMatchObject({
      path: `gitrepository/apps/podinfo/${sha256Digest(expected).slice(7)}.tar.gz`,
      digest: sha256Digest(expected),
      size: expected.length,
      revision: 'main@sha1:abc',
    });
    expect((await readFile(join(storage.basePath, artifact.path))).equals(expected)).toBe(true);
  });

  it('leaves nothing behind when a streamed write fails', async () => {
    const before = await readdir(join(storage.basePath, 'gitrepository/apps/podinfo'));
    await expect(
      storage.storeStreamed(
        owner,
        () => 'never.tar.gz',
        async (sink) => {
          sink.write(Buffer.alloc(1024));
          await Promise.resolve();
          sink.destroy(new Error('the tree could not be read'));
        },
        { revision: 'r' },
      ),
    ).rejects.toThrow(
      /storing artifact of GitRepository apps\/podinfo: the tree could not be read/,
    );
    expect(await readdir(join(storage.basePath, 'gitrepository/apps/podinfo'))).toEqual(before);
  });

  it.each([
    [{ ...owner, namespace: 'Bad_NS' }, 'a.tar.gz', /invalid namespace/],
    [{ ...owner, name: '../x' }, 'a.tar.gz', /invalid name/],
    [owner, '../a.tar.gz', /invalid artifact file name/],
  ])('refuses unsafe path parts %#', async (who, file, message) => {
    await expect(storage.store(who, file, tarOf('x'), { revision: 'r' })).rejects.toThrow(message);
  });
});

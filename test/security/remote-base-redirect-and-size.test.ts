/**
 * Remote resource URLs are SSRF from kustomize-controller (review H3): a kustomization naming
 * an http(s) resource must not have a redirect followed (an allowlist on the first hop would
 * mean nothing), an answer larger than the limit must be cut off while it streams, not read
 * whole first, and credentials in the URL never reach the error. Reached through `buildAsync`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@tide/harness';
import { KustomizeError, buildAsync, type RemoteFetchOptions } from '@tide/kustomize';

const mib = 1024 * 1024;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const close = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => {
      resolve();
    });
  });

describe('remote resource fetches', () => {
  let temp: TempDir;
  let forbidden: Server;
  let forbiddenUrl: string;
  let forbiddenHits = 0;
  let front: Server;
  let frontUrl: string;
  let sentBytes = 0;

  beforeAll(async () => {
    temp = await makeTempDir('remote-redirect');
    forbidden = createServer((_request, response) => {
      forbiddenHits++;
      response.end('apiVersion: v1\nkind: Secret\nmetadata: {name: internal}\n');
    });
    forbiddenUrl = await listen(forbidden);
    front = createServer((request, response) => {
      if (request.url === '/redirect.yaml') {
        response.writeHead(302, { location: `${forbiddenUrl}/latest/meta-data` });
        response.end();
        return;
      }
      if (request.url === '/small.yaml') {
        response.end('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fetched}\n');
        return;
      }
      // /huge.yaml: 256 MiB of YAML comments, written as fast as the client reads.
      response.writeHead(200, { 'content-type': 'application/yaml' });
      const chunk = Buffer.alloc(64 * 1024, '#');
      const pump = (): void => {
        while (sentBytes < 256 * mib && !response.destroyed) {
          sentBytes += chunk.length;
          if (!response.write(chunk)) {
            response.once('drain', pump);
            return;
          }
        }
        response.end();
      };
      pump();
    });
    frontUrl = await listen(front);
  });
  afterAll(async () => {
    await close(front);
    await close(forbidden);
    await temp.remove();
  });

  /** Builds a kustomization whose only resource is `url`; the error it gives, if any. */
  const buildNaming = async (
    name: string,
    url: string,
    remote: RemoteFetchOptions,
  ): Promise<unknown> => {
    const dir = join(temp.path, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'kustomization.yaml'), `resources:\n- ${url}\n`);
    return buildAsync(dir, { remote }).then(
      () => undefined,
      (error: unknown) => error,
    );
  };

  it('does not follow a redirect, and names the host it pointed at', async () => {
    const error = await buildNaming('redirect', `${frontUrl}/redirect.yaml`, { timeoutMs: 5_000 });
    expect(error).toBeInstanceOf(KustomizeError);
    expect((error as Error).message).toContain(
      `remote resource ${frontUrl}/redirect.yaml: HTTP Error: redirect to ${new URL(forbiddenUrl).host} not followed (remote resources are fetched without redirects)`,
    );
    expect(forbiddenHits).toBe(0);
  });

  it('cuts an oversized answer off while it streams', async () => {
    const error = await buildNaming('huge', `${frontUrl}/huge.yaml`, {
      timeoutMs: 20_000,
      maxBytes: mib,
    });
    expect(error).toBeInstanceOf(KustomizeError);
    expect((error as Error).message).toContain(
      `HTTP Error: answer from ${frontUrl}/huge.yaml exceeds the maxBytes limit of ${mib} bytes`,
    );
    // The server stopped long before the end: the client hung up at the cap.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sentBytes).toBeLessThan(64 * mib);
  });

  it('never shows the credentials of a URL in its error', async () => {
    const url = `http://x-token:s3cr3t@${new URL(frontUrl).host}/small.yaml`;
    const error = await buildNaming('credentials', url, { timeoutMs: 5_000 });
    expect(error).toBeInstanceOf(KustomizeError);
    expect((error as Error).message).toContain(`GET ${frontUrl}/small.yaml: request failed`);
    expect((error as Error).message).not.toContain('s3cr3t');
  });

  it('still builds a resource fetched without a redirect and under the limit', async () => {
    const dir = join(temp.path, 'small');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'kustomization.yaml'), `resources:\n- ${frontUrl}/small.yaml\n`);
    const result = await buildAsync(dir, { remote: { timeoutMs: 5_000, maxBytes: mib } });
    expect(result.yaml).toContain('name: fetched');
  });
});

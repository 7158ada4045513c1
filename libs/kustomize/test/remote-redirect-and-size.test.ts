/**
 * Remote resource URLs are SSRF from kustomize-controller (review H3): a redirect must not be
 * followed (an allowlist on the first hop would mean nothing), and an answer larger than the
 * limit must be cut off while it streams, not read whole first.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RemoteCheckouts } from '../src/remote/checkout.js';

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
  let forbidden: Server;
  let forbiddenUrl: string;
  let forbiddenHits = 0;
  let front: Server;
  let frontUrl: string;
  let sentBytes = 0;

  beforeAll(async () => {
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
      response.on('close', () => undefined);
      pump();
    });
    frontUrl = await listen(front);
  });
  afterAll(async () => {
    await close(front);
    await close(forbidden);
  });

  it('does not follow a redirect, and names the host it pointed at', async () => {
    const checkouts = new RemoteCheckouts({ timeoutMs: 5_000 });
    const url = `${frontUrl}/redirect.yaml`;
    await checkouts.fetchFile(url);
    const answer = checkouts.answerOf(url);
    expect(answer?.status).toBe(0);
    expect(answer?.error).toBe(
      `redirect to ${new URL(forbiddenUrl).host} not followed (remote resources are fetched without redirects)`,
    );
    expect(forbiddenHits).toBe(0);
  });

  it('cuts an oversized answer off while it streams', async () => {
    const checkouts = new RemoteCheckouts({ timeoutMs: 20_000, maxBytes: mib });
    const url = `${frontUrl}/huge.yaml`;
    await checkouts.fetchFile(url);
    const answer = checkouts.answerOf(url);
    expect(answer?.status).toBe(0);
    expect(answer?.error).toBe(
      `answer from ${frontUrl}/huge.yaml exceeds the maxBytes limit of ${mib} bytes`,
    );
    // The server stopped long before the end: the client hung up at the cap.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sentBytes).toBeLessThan(64 * mib);
  });

  it('never shows the credentials of a URL in its error', async () => {
    const checkouts = new RemoteCheckouts({ timeoutMs: 5_000 });
    const url = `http://x-token:s3cr3t@${new URL(frontUrl).host}/huge.yaml`;
    await checkouts.fetchFile(url);
    expect(checkouts.answerOf(url)?.error).toBe(`GET ${frontUrl}/huge.yaml: request failed`);
  });
});

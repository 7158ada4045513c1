import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { httpRequest } from '@tide/harness';
import { serve, type Endpoint } from '../src/servers.js';

/**
 * The metrics/health endpoint server on its own: whatever a handler does, the answer is an
 * HTTP response and the server keeps serving (H1).
 */

/** Sends `head` raw and answers what the server wrote before closing the connection. */
function rawRequest(url: string, head: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 5s to ${JSON.stringify(head)}`));
    }, 5000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(`${head}\r\nHost: test\r\nConnection: close\r\n\r\n`, 'latin1');
  });
}

describe('endpoint server', () => {
  let endpoint: Endpoint;

  beforeAll(async () => {
    endpoint = await serve('127.0.0.1:0', {
      '/ok': () => Promise.resolve({ status: 200, contentType: 'text/plain', body: 'ok\n' }),
      '/throws': () => Promise.reject(new Error('handler failed')),
      // A header value Node refuses to write: writing the answer itself throws.
      '/bad-header': () =>
        Promise.resolve({ status: 200, contentType: 'text/plain\r\nx-injected: 1', body: '' }),
      '/bad-status': () => Promise.resolve({ status: 1200, contentType: 'text/plain', body: '' }),
    });
  });
  afterAll(async () => {
    await endpoint.close();
  });

  it.each([
    ['a handler that rejects', '/throws', 500, 'handler failed\n'],
    ['a header value that cannot be written', '/bad-header', 500, undefined],
    ['a status code that cannot be written', '/bad-status', 500, undefined],
    ['a path with no handler', '/missing', 404, 'no handler for /missing\n'],
    ['an origin-form target that looks like an authority', '//ok', 404, 'no handler for //ok\n'],
  ])('%s: %s answers %s, then the server still serves', async (_what, path, status, body) => {
    const answer = await httpRequest(`${endpoint.url}${path}`, { timeoutMs: 5000 });
    expect(answer.status).toBe(status);
    if (body !== undefined) expect(answer.body.toString('utf8')).toBe(body);
    expect(answer.headers['x-injected']).toBeUndefined();
    expect((await httpRequest(`${endpoint.url}/ok`, { timeoutMs: 5000 })).status).toBe(200);
  });

  it('routes an absolute-form target by its path', async () => {
    const answer = await rawRequest(endpoint.url, 'GET http://elsewhere.invalid/ok HTTP/1.1');
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(answer).toContain('ok\n');
  });

  it('answers 400 to a request-target that is no path', async () => {
    for (const target of ['*', 'ok', 'file:///etc/passwd']) {
      const answer = await rawRequest(endpoint.url, `GET ${target} HTTP/1.1`);
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    }
  });

  it('answers HEAD without a body', async () => {
    const answer = await rawRequest(endpoint.url, 'HEAD /ok HTTP/1.1');
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(answer.endsWith('\r\n\r\n')).toBe(true);
  });
});

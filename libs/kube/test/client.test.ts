import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { freePort } from '@tide/harness';
import { ApiError, KubeClient } from '../src/index.js';

function kubeConfigFor(server: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'not-a-real-token' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return kubeConfig;
}

describe('KubeClient transport failures', () => {
  // A server that accepts connections and never says a word: every request must time out.
  let silent: Server;
  let silentPort: number;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    silentPort = await freePort();
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(silentPort, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('times out a request that gets no answer, naming the object', async () => {
    const client = new KubeClient({
      kubeConfig: kubeConfigFor(`https://127.0.0.1:${silentPort}`),
      timeoutMs: 300,
    });
    const started = Date.now();
    const error = await client
      .send(
        { method: 'GET', path: '/apis/apps/v1/namespaces/apps/deployments/web' },
        { action: 'reading', subject: 'Deployment/apps/web' },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 0, reason: 'Timeout', subject: 'Deployment/apps/web' });
    expect((error as Error).message).toMatch(
      /^reading Deployment\/apps\/web: GET \/apis\/apps\/v1\/.* timed out after 300ms$/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    client.close();
  });

  it('reports a request its signal ended as Aborted, with the reason', async () => {
    const deadline = new AbortController();
    const client = new KubeClient({
      kubeConfig: kubeConfigFor(`https://127.0.0.1:${silentPort}`),
    }).withSignal(deadline.signal);
    setTimeout(() => {
      deadline.abort(new Error('out of time'));
    }, 200);
    const error = await client
      .send({ method: 'GET', path: '/api/v1' }, { action: 'discovering', subject: 'API v1' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, reason: 'Aborted' });
    expect((error as Error).message).toBe('discovering API v1: out of time');
    client.close();
  });

  it('reports a refused connection as Unreachable', async () => {
    const closedPort = await freePort();
    const client = new KubeClient({ kubeConfig: kubeConfigFor(`https://127.0.0.1:${closedPort}`) });
    const error = await client
      .send({ method: 'GET', path: '/api/v1' }, { action: 'discovering', subject: 'API v1' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, reason: 'Unreachable' });
    expect((error as Error).message).toContain('ECONNREFUSED');
  });
});

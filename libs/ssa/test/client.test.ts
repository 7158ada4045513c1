import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { freePort } from '@tide/harness';
import { KubeApiError, KubeClient, ResourceManager } from '../src/index.js';

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
    const client = new KubeClient(kubeConfigFor(`https://127.0.0.1:${silentPort}`), {
      timeoutMs: 300,
    });
    const started = Date.now();
    const error = await client
      .send(
        { method: 'GET', path: '/apis/apps/v1/namespaces/apps/deployments/web' },
        'reading',
        'Deployment/apps/web',
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).toMatchObject({ status: 0, reason: 'Timeout', subject: 'Deployment/apps/web' });
    expect((error as Error).message).toMatch(
      /^reading Deployment\/apps\/web: GET \/apis\/apps\/v1\/.* timed out after 300ms$/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    client.close();
  });

  it('applies the manager-wide request timeout to every verb', async () => {
    const manager = new ResourceManager({
      kubeConfig: kubeConfigFor(`https://127.0.0.1:${silentPort}`),
      fieldManager: 'test',
      requestTimeoutMs: 300,
    });
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' } };
    await expect(manager.apply([object])).rejects.toThrow('timed out after 300ms');
    manager.close();
  });

  it('ends requests in flight when the signal of a verb aborts, saying why', async () => {
    const manager = new ResourceManager({
      kubeConfig: kubeConfigFor(`https://127.0.0.1:${silentPort}`),
      fieldManager: 'test',
    });
    const deadline = new AbortController();
    setTimeout(() => {
      deadline.abort(new Error('apply did not finish within spec.timeout (0.2s)'));
    }, 200);
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' } };
    const started = Date.now();
    const error = await manager
      .apply([object], { signal: deadline.signal })
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain('apply did not finish within spec.timeout (0.2s)');
    expect(Date.now() - started).toBeLessThan(5_000);
    // Already aborted: nothing is sent.
    const refused = await manager
      .delete([{ apiVersion: 'v1', kind: 'ConfigMap', name: 'c', namespace: 'n' }], {
        signal: deadline.signal,
      })
      .catch((e: unknown) => e);
    expect((refused as Error).message).toContain('spec.timeout');
    manager.close();
  });

  it('reports a request its signal ended as Aborted, with the reason', async () => {
    const deadline = new AbortController();
    const client = new KubeClient(kubeConfigFor(`https://127.0.0.1:${silentPort}`)).withSignal(
      deadline.signal,
    );
    setTimeout(() => {
      deadline.abort(new Error('out of time'));
    }, 200);
    const error = await client
      .send({ method: 'GET', path: '/api/v1' }, 'discovering', 'API v1')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, reason: 'Aborted' });
    expect((error as Error).message).toBe('discovering API v1: out of time');
    client.close();
  });

  it('reports a refused connection as Unreachable', async () => {
    const closedPort = await freePort();
    const client = new KubeClient(kubeConfigFor(`https://127.0.0.1:${closedPort}`));
    const error = await client
      .send({ method: 'GET', path: '/api/v1' }, 'discovering', 'API v1')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, reason: 'Unreachable' });
    expect((error as Error).message).toContain('ECONNREFUSED');
  });
});

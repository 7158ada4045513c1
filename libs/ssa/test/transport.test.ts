import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { freePort } from '@tide/harness';
import { ResourceManager } from '../src/index.js';
import { KubeClient } from '@tide/kube';

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

describe('ResourceManager transport failures', () => {
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

  it('applies the manager-wide request timeout to every verb', async () => {
    const client = new KubeClient({
      kubeConfig: kubeConfigFor(`https://127.0.0.1:${silentPort}`),
      timeoutMs: 300,
    });
    const manager = new ResourceManager({ client, fieldManager: 'test' });
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' } };
    await expect(manager.apply([object])).rejects.toThrow('timed out after 300ms');
    client.close();
  });

  it('ends requests in flight when the signal of a verb aborts, saying why', async () => {
    const client = new KubeClient({ kubeConfig: kubeConfigFor(`https://127.0.0.1:${silentPort}`) });
    const manager = new ResourceManager({ client, fieldManager: 'test' });
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
    client.close();
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { sharedControlPlane } from '@tide/harness';
import type { Manager } from '../src/index.js';
import {
  condition,
  installWidgetCrd,
  testClient,
  testManager,
  waitForWidget,
  widget,
  widgetKind,
} from './widget.js';
import type { KubeClient } from '@tide/kube';

/**
 * A TCP relay in front of the API server that can go silent: freeze() stops moving bytes on
 * every open connection without closing it — what a dead NAT entry or a vanished peer
 * looks like — while new connections still get through.
 */
class FreezingRelay {
  private readonly pairs: { client: Socket; upstream: Socket; frozen: boolean }[] = [];
  private server: Server | undefined;

  async start(target: URL): Promise<number> {
    this.server = createServer((client) => {
      const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
      const pair = { client, upstream, frozen: false };
      this.pairs.push(pair);
      client.on('data', (chunk) => {
        if (!pair.frozen) upstream.write(chunk);
      });
      upstream.on('data', (chunk) => {
        if (!pair.frozen) client.write(chunk);
      });
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', close);
      upstream.on('close', close);
      client.on('error', close);
      upstream.on('error', close);
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('relay has no port');
    return address.port;
  }

  freeze(): number {
    const open = this.pairs.filter((p) => !p.client.destroyed);
    for (const pair of open) pair.frozen = true;
    return open.length;
  }

  async stop(): Promise<void> {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise<void>((resolve) => {
      if (this.server === undefined) resolve();
      else
        this.server.close(() => {
          resolve();
        });
    });
  }
}

function kubeConfigVia(base: KubeConfig, server: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: base.clusters.map((c) => ({ ...c, server })),
    users: base.users,
    contexts: base.contexts,
    currentContext: base.currentContext,
  });
  return kubeConfig;
}

// A watch that goes silent without closing is noticed by the watchdog and reopened.
describe('watch watchdog', () => {
  const controlPlane = sharedControlPlane();
  const relay = new FreezingRelay();
  let namespace: string;
  let client: KubeClient;
  let manager: Manager;

  beforeAll(async () => {
    await installWidgetCrd(controlPlane.connection);
    namespace = await controlPlane.createNamespace('runtime-watchdog');
    client = testClient(controlPlane.kubeConfig);
    const port = await relay.start(new URL(controlPlane.server));
    ({ manager } = testManager({
      kubeConfig: kubeConfigVia(controlPlane.kubeConfig, `https://127.0.0.1:${port}`),
      namespace,
      // The server would keep the watch open for 10 minutes: only the watchdog can end it.
      watch: { timeoutSeconds: 600, watchdogMs: 2_000, maxBackoffMs: 500 },
      requestTimeoutMs: 2_000,
    }));
    await manager.start();
  });

  afterAll(async () => {
    await manager.stop();
    client.close();
    await relay.stop();
  });

  it('reopens a silent watch and sees what happened meanwhile', async () => {
    await client.create(widgetKind, widget(namespace, 'before'));
    await waitForWidget(
      client,
      namespace,
      'before',
      (o) => condition(o, 'Ready')?.status === 'True',
      'Ready',
    );
    const informer = manager.informer(widgetKind);
    const watchesBefore = informer.stats.watches;

    expect(relay.freeze()).toBeGreaterThan(0);
    await client.create(widgetKind, widget(namespace, 'during'));

    const during = await waitForWidget(
      client,
      namespace,
      'during',
      (o) => condition(o, 'Ready')?.status === 'True',
      'Ready through a new watch',
      30_000,
    );
    expect(during.status?.observedGeneration).toBe(1);
    // An idle watch with a 2s watchdog is also reopened now and then; what matters is that
    // the frozen one was abandoned for a new one, not waited on for its 10 minutes.
    expect(informer.stats.watchdogFired).toBeGreaterThanOrEqual(1);
    expect(informer.stats.watches).toBeGreaterThan(watchesBefore);
    expect(informer.stats.gone).toBe(0);
  });
});

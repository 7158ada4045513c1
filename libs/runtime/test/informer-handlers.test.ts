import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sharedControlPlane, waitFor } from '@tide/harness';
import { createLogger, Informer, type InformerEvent } from '../src/index.js';
import { installWidgetCrd, testClient, widget, widgetKind, type Widget } from './widget.js';
import type { KubeClient } from '@tide/kube';

// An informer feeds several handlers (a controller's queue, watches of other controllers).
// One that throws must not keep the others from hearing about the change: the cache and the
// resourceVersion have already moved on, so the event is never delivered again.
describe('informer event handlers', () => {
  const controlPlane = sharedControlPlane();
  let client: KubeClient;

  beforeAll(async () => {
    await installWidgetCrd(controlPlane.connection);
    client = testClient(controlPlane.kubeConfig);
  });

  afterAll(() => {
    client.close();
  });

  it('a handler that throws does not starve the handlers after it', async () => {
    const namespace = await controlPlane.createNamespace('runtime-handlers');
    const informer = new Informer<Widget>({
      client,
      kind: widgetKind,
      namespace,
      logger: createLogger({ level: 'silent' }),
    });
    const thrown: string[] = [];
    const heard: string[] = [];
    informer.onEvent((event: InformerEvent<Widget>) => {
      thrown.push(`${event.type} ${event.obj.metadata.name ?? ''}`);
      throw new Error('handler bug');
    });
    informer.onEvent((event: InformerEvent<Widget>) => {
      heard.push(`${event.type} ${event.obj.metadata.name ?? ''}`);
    });
    await client.create(widgetKind, widget(namespace, 'listed'));
    informer.start();
    try {
      await informer.waitForSync();
      for (const name of ['a', 'b', 'c']) await client.create(widgetKind, widget(namespace, name));
      await client.delete(widgetKind, namespace, 'a');
      const expected = ['added listed', 'added a', 'added b', 'added c', 'deleted a'];
      await waitFor(() => Promise.resolve(heard.length >= expected.length ? true : undefined), {
        timeoutMs: 10_000,
        what: `every event to reach the second handler (heard: ${heard.join(', ')})`,
      });
      expect(heard).toEqual(expected);
      expect(thrown).toEqual(expected);
      // The watch was never torn down by the throw: one list, one watch.
      expect(informer.stats.lists).toBe(1);
      expect(informer.stats.reconnects).toBe(0);
    } finally {
      await informer.stop();
    }
  });
});

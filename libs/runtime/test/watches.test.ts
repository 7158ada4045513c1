import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sharedControlPlane, waitFor } from '@tide/harness';
import type { Result } from '../src/index.js';
import type { Manager, ReconcileContext, Watch } from '../src/index.js';
import {
  installWidgetCrd,
  testClient,
  testManager,
  waitForWidget,
  widget,
  widgetKind,
  WidgetReconciler,
  type Widget,
} from './widget.js';
import type { KindRef, KubeClient, KubeObject } from '@tide/kube';

const configMapKind: KindRef = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
};
const target = 'runtime.test.tide.dev/widget';

/** Reads the ConfigMaps that point at a widget from the cache, and reconciles when they change. */
class WatchingReconciler extends WidgetReconciler {
  readonly seen: string[][] = [];
  readonly watches: readonly Watch[] = [
    {
      kind: configMapKind,
      map: (obj: KubeObject) => {
        const name = obj.metadata.annotations?.[target];
        return name === undefined ? [] : [`${obj.metadata.namespace ?? ''}/${name}`];
      },
    },
  ];
  override async reconcile(obj: Widget, context: ReconcileContext): Promise<Result> {
    const pointing = context
      .cache(configMapKind)
      .list(obj.metadata.namespace)
      .filter((cm) => cm.metadata.annotations?.[target] === obj.metadata.name)
      .map((cm) => cm.metadata.name ?? '');
    this.seen.push(pointing);
    return super.reconcile(obj, context);
  }
}

// A reconciler reconciles when another kind it watches changes, and reads it from the cache.
describe('watches on other kinds', () => {
  const controlPlane = sharedControlPlane();
  let namespace: string;
  let client: KubeClient;
  let manager: Manager;
  const reconciler = new WatchingReconciler();

  beforeAll(async () => {
    await installWidgetCrd(controlPlane.connection);
    namespace = await controlPlane.createNamespace('runtime-watches');
    client = testClient(controlPlane.kubeConfig);
    ({ manager } = testManager({ kubeConfig: controlPlane.kubeConfig, namespace, reconciler }));
    await manager.start();
  });

  afterAll(async () => {
    await manager.stop();
    client.close();
  });

  it('reconciles the mapped object when a watched object changes', async () => {
    await client.create(widgetKind, widget(namespace, 'consumer'));
    await waitForWidget(
      client,
      namespace,
      'consumer',
      (o) => o.status?.observedGeneration === 1,
      'reconciled',
    );
    expect(reconciler.seen).toEqual([[]]);
    await client.create(configMapKind, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'source', namespace, annotations: { [target]: 'consumer' } },
    });
    await waitFor(() => Promise.resolve(reconciler.seen.length >= 2 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'a second reconcile',
    });
    expect(reconciler.seen[1]).toEqual(['source']);
    expect(reconciler.callsFor('consumer').map((c) => c.generation)).toEqual([1, 1]);
  });
});

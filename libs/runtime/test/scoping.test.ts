import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sharedControlPlane } from '@tide/harness';
import type { Manager } from '../src/index.js';
import {
  installWidgetCrd,
  sleep,
  testClient,
  testManager,
  waitForWidget,
  widget,
  widgetKind,
  type WidgetReconciler,
} from './widget.js';
import type { KubeClient } from '@tide/kube';

// --watch-all-namespaces=false keeps a controller to its own namespace; --watch-label-selector shards.
describe('namespace scoping and label-selector sharding', () => {
  const controlPlane = sharedControlPlane();
  const shard = { 'sharding.fluxcd.io/key': 'shard1' };
  let own: string;
  let other: string;
  let client: KubeClient;
  let manager: Manager;
  let reconciler: WidgetReconciler;

  beforeAll(async () => {
    await installWidgetCrd(controlPlane.connection);
    own = await controlPlane.createNamespace('runtime-scope');
    other = await controlPlane.createNamespace('runtime-scope-other');
    client = testClient(controlPlane.kubeConfig);
    ({ manager, reconciler } = testManager({
      kubeConfig: controlPlane.kubeConfig,
      namespace: own,
      runtime: { watchAllNamespaces: false, watchLabelSelector: 'sharding.fluxcd.io/key=shard1' },
    }));
    await manager.start();
  });

  afterAll(async () => {
    await manager.stop();
    client.close();
  });

  it('reconciles only labelled objects in its own namespace', async () => {
    await client.create(widgetKind, widget(own, 'mine', {}, shard));
    await client.create(widgetKind, widget(own, 'unlabelled'));
    await client.create(
      widgetKind,
      widget(own, 'other-shard', {}, { 'sharding.fluxcd.io/key': 'shard2' }),
    );
    await client.create(widgetKind, widget(other, 'elsewhere', {}, shard));
    await waitForWidget(
      client,
      own,
      'mine',
      (o) => o.status?.observedGeneration === 1,
      'reconciled',
    );
    await sleep(1_000);
    expect(reconciler.calls.map((c) => c.key)).toEqual([`${own}/mine`]);
    const untouched = await client.get<{ metadata: { finalizers?: string[] } }>(
      widgetKind,
      other,
      'elsewhere',
    );
    expect(untouched.metadata.finalizers).toBeUndefined();
  });
});

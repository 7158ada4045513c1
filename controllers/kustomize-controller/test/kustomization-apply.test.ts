import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ReconcilableObject } from '@tide/runtime';
import { publishGitRepository, type PublishedGitRepository } from '@tide/test-support';
import { startKustomizeEnvironment, type KustomizeEnvironment } from './environment.js';
import {
  configMapKind,
  deleteKustomization,
  deploymentKind,
  getOrUndefined,
  kustomization,
  mainRevision,
  requestReconcile,
  serviceKind,
  waitReady,
  type ConfigMapObject,
} from './fixtures.js';
import { PatchType, type KindRef } from '@tide/kube';
import { KustomizationGVK } from '@tide/api';

interface EventObject extends ReconcilableObject {
  involvedObject: { name: string };
  reason: string;
  type: string;
  message: string;
}

const eventKind: KindRef = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  namespaced: true,
};

interface DeploymentObject extends ReconcilableObject {
  spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } };
}

const base = {
  'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n  - service.yaml\n  - config.yaml\n',
  'base/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.25
`,
  'base/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - port: 80
`,
  'base/config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: base
`,
  'overlays/prod/kustomization.yaml': `resources:
  - ../../base
namePrefix: prod-
patches:
  - patch: |
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
      spec:
        replicas: 3
  - patch: |
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: settings
      data:
        mode: prod
`,
};

describe('Kustomization apply', () => {
  let env: KustomizeEnvironment;
  let repo: PublishedGitRepository;

  beforeAll(async () => {
    env = await startKustomizeEnvironment('ks-apply');
    repo = await publishGitRepository(env, 'app', { files: base });
  });
  afterAll(async () => {
    await env.stop();
  });

  const get = <T extends ReconcilableObject>(kind: KindRef, name: string) =>
    getOrUndefined<T>(env, kind, name);

  it('applies a base with an overlay: objects changed by the overlay, Ready, revision and inventory', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('prod', 'app', { path: './overlays/prod', targetNamespace: env.namespace }),
    );
    const ready = await waitReady(env, 'prod', mainRevision(repo.head()));
    expect(ready.status?.lastAttemptedRevision).toBe(ready.status?.lastAppliedRevision);
    const deployment = await get<DeploymentObject>(deploymentKind, 'prod-web');
    expect(deployment?.spec?.replicas).toBe(3);
    expect(deployment?.metadata.labels).toMatchObject({
      'kustomize.toolkit.fluxcd.io/name': 'prod',
      'kustomize.toolkit.fluxcd.io/namespace': env.namespace,
    });
    expect((await get<ConfigMapObject>(configMapKind, 'prod-settings'))?.data).toEqual({
      mode: 'prod',
    });
    expect(await get(serviceKind, 'prod-web')).toBeDefined();
    const ns = env.namespace;
    expect(ready.status?.inventory?.entries).toEqual([
      { id: `${ns}_prod-settings__ConfigMap`, v: 'v1' },
      { id: `${ns}_prod-web__Service`, v: 'v1' },
      { id: `${ns}_prod-web_apps_Deployment`, v: 'v1' },
    ]);
    expect(ready.status?.history?.[0]).toMatchObject({
      lastReconciledStatus: 'ReconciliationSucceeded',
      totalReconciliations: 1,
      metadata: { revision: ready.status?.lastAppliedRevision },
    });
    expect(conditionOfReady(ready)).toMatch(/^Applied revision: main@sha1:/);
    // One Normal event for the revision, a line per change.
    const events = await env.client.list<EventObject>(eventKind, { namespace: ns });
    const applied = events.items.filter(
      (e) => e.involvedObject.name === 'prod' && e.reason === 'ReconciliationSucceeded',
    );
    expect(applied).toHaveLength(1);
    expect(applied[0]?.type).toBe('Normal');
    expect(applied[0]?.message.split('\n').sort()).toEqual([
      `ConfigMap/${ns}/prod-settings created`,
      `Deployment/${ns}/prod-web created`,
      `Service/${ns}/prod-web created`,
    ]);
    expect(applied[0]?.metadata.annotations).toEqual({
      'kustomize.toolkit.fluxcd.io/revision': ready.status?.lastAppliedRevision,
    });
  });

  it('applies a commit that changes a field', async () => {
    const commit = await repo.commit(
      { 'base/deployment.yaml': base['base/deployment.yaml'].replace('nginx:1.25', 'nginx:1.27') },
      'bump nginx',
    );
    await waitReady(env, 'prod', mainRevision(commit));
    const deployment = await get<DeploymentObject>(deploymentKind, 'prod-web');
    expect(deployment?.spec?.template?.spec?.containers?.[0]?.image).toBe('nginx:1.27');
  });

  it('reverts an edit made by another field manager on the next reconcile', async () => {
    await env.client.patch(
      configMapKind,
      { namespace: env.namespace, name: 'prod-settings' },
      { data: { mode: 'hand-edited', extra: 'x' } },
      { type: PatchType.Merge, fieldManager: 'kubectl-edit' },
    );
    expect((await get<ConfigMapObject>(configMapKind, 'prod-settings'))?.data?.mode).toBe(
      'hand-edited',
    );
    await requestReconcile(env, KustomizationGVK, 'prod');
    await env.waitFor<ConfigMapObject, boolean>(
      configMapKind,
      'prod-settings',
      (o) => o.data?.mode === 'prod',
      'mode reverted to prod',
    );
  });

  it('applies a CRD and a custom resource of it from the same path', async () => {
    const group = `${env.namespace}.kustomize.test.tide.dev`;
    await repo.commit(
      {
        'crds/crd.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: {kind: Gadget, plural: gadgets, singular: gadget, listKind: GadgetList}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`,
        'crds/gadget.yaml': `apiVersion: ${group}/v1
kind: Gadget
metadata:
  name: first
spec:
  size: 2
`,
      },
      'add a CRD and a Gadget',
    );
    await env.apply(
      KustomizationGVK,
      kustomization('crds', 'app', { path: './crds', targetNamespace: env.namespace }),
    );
    const ready = await waitReady(env, 'crds');
    const gadgetKind: KindRef = {
      group,
      version: 'v1',
      kind: 'Gadget',
      plural: 'gadgets',
      namespaced: true,
    };
    expect(await get(gadgetKind, 'first')).toBeDefined();
    expect(ready.status?.inventory?.entries.map((e) => e.id)).toEqual([
      `_gadgets.${group}_apiextensions.k8s.io_CustomResourceDefinition`,
      `${env.namespace}_first_${group}_Gadget`,
    ]);
    // prune: true and the default MirrorPrune: deleting the Kustomization deletes the CRD.
    await deleteKustomization(env, 'crds');
    const crdKind: KindRef = {
      group: 'apiextensions.k8s.io',
      version: 'v1',
      kind: 'CustomResourceDefinition',
      plural: 'customresourcedefinitions',
      namespaced: false,
    };
    const crd = await getOrUndefined<ReconcilableObject>(env, crdKind, `gadgets.${group}`, '');
    expect(crd === undefined || crd.metadata.deletionTimestamp !== undefined).toBe(true);
  });
});

function conditionOfReady(obj: ReconcilableObject): string | undefined {
  return obj.status?.conditions?.find((c) => c.type === 'Ready')?.message;
}

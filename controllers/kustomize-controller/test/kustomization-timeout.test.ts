/**
 * `spec.timeout` bounds apply and prune: an admission webhook that never answers holds
 * every write of the labelled objects for 30 s on the real API server; the Kustomization
 * gives up after its timeout, says so, and keeps its inventory.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { publishGitRepository } from '@tide/test-support';
import { startKustomizeEnvironment, type KustomizeEnvironment } from './environment.js';
import { conditionOf, kustomization, waitNotReady } from './fixtures.js';
import type { KindRef } from '@tide/kube';
import { KustomizationGVK } from '@tide/api';

const webhookKind: KindRef = {
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  kind: 'ValidatingWebhookConfiguration',
  plural: 'validatingwebhookconfigurations',
  namespaced: false,
};

describe('Kustomization timeout', () => {
  let env: KustomizeEnvironment;
  let silent: Server;
  const sockets: Socket[] = [];
  let webhook: string;

  beforeAll(async () => {
    env = await startKustomizeEnvironment('ks-timeout');
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    webhook = `tide-test-silent-${env.namespace}`;
    await env.client.create(webhookKind, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: webhook },
      webhooks: [
        {
          name: 'silent.tide.test',
          clientConfig: { url: `https://127.0.0.1:${port}/validate` },
          rules: [
            {
              operations: ['CREATE', 'UPDATE'],
              apiGroups: [''],
              apiVersions: ['v1'],
              resources: ['configmaps'],
            },
          ],
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': env.namespace } },
          objectSelector: { matchLabels: { slow: 'true' } },
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
          timeoutSeconds: 30,
          failurePolicy: 'Fail',
        },
      ],
    });
    await publishGitRepository(env, 'app', {
      files: {
        'app/slow.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: slow\n  labels:\n    slow: "true"\ndata:\n  k: v\n',
      },
    });
  });
  afterAll(async () => {
    await env.client.delete(webhookKind, '', webhook);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await env.stop();
  });

  it('gives up on an apply that outlasts spec.timeout, saying so', async () => {
    const started = Date.now();
    await env.apply(
      KustomizationGVK,
      kustomization('slow', 'app', {
        path: './app',
        targetNamespace: env.namespace,
        timeout: '2s',
      }),
    );
    const failed = await waitNotReady(env, 'slow', 'ReconciliationFailed', 25_000);
    expect(conditionOf(failed, 'Ready')?.message).toContain(
      'apply and prune did not finish within spec.timeout (2s)',
    );
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(failed.status?.inventory?.entries.map((entry) => entry.id)).toEqual([
      `${env.namespace}_slow__ConfigMap`,
    ]);
  });
});

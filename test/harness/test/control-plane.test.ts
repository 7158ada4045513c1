import { describe, expect, it } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';
import { apiRequest, oracles, run, sharedControlPlane } from '../src/index.js';

describe('shared control plane', () => {
  const controlPlane = sharedControlPlane();

  it('answers kubectl with the admin kubeconfig', async () => {
    const { kubectl } = await oracles();
    const out = await run(kubectl, [
      '--kubeconfig',
      controlPlane.kubeconfigPath,
      'get',
      'namespaces',
      '-o',
      'name',
    ]);
    expect(out.split('\n')).toContain('namespace/default');
  });

  it('reports the Kubernetes version it was built from on /version', async () => {
    const response = await apiRequest(controlPlane.connection, { method: 'GET', path: '/version' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ gitVersion: controlPlane.kubernetesVersion, major: '1' });
    expect(controlPlane.kubernetesVersion).toBe('v1.36.3');
  });

  it('serves @kubernetes/client-node with the kubeconfig it wrote', async () => {
    const namespace = await controlPlane.createNamespace('harness');
    const core = controlPlane.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'probe' }, data: { hello: 'world' } },
    });
    const read = await core.readNamespacedConfigMap({ namespace, name: 'probe' });
    expect(read.data).toEqual({ hello: 'world' });
  });

  it('enforces RBAC for users other than the admin', async () => {
    const { kubectl } = await oracles();
    const kubeconfig = await controlPlane.userKubeconfig('jane', ['developers']);
    await expect(run(kubectl, ['--kubeconfig', kubeconfig, 'get', 'namespaces'])).rejects.toThrow(
      /User "jane" cannot list resource "namespaces"/,
    );
  });
});

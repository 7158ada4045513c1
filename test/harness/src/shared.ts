import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { writeUserKubeconfig, type UserIssuer } from './control-plane.js';
import { apiRequest, type ApiConnection } from './kube.js';

/** What jest's global set-up writes for the test workers, in the file named by the env var. */
export interface SharedControlPlaneInfo {
  readonly kubeconfigPath: string;
  readonly server: string;
  readonly connection: ApiConnection;
  readonly kubernetesVersion: string;
  readonly userIssuer: UserIssuer;
}

export const sharedControlPlaneEnv = 'TIDE_TEST_CONTROL_PLANE';

export interface SharedControlPlane extends SharedControlPlaneInfo {
  readonly kubeConfig: KubeConfig;
  /** A kubeconfig file for another user (client certificate), for RBAC tests. */
  userKubeconfig(user: string, groups?: readonly string[]): Promise<string>;
  /** Creates a namespace with a unique name starting with `prefix`; tests isolate by it. */
  createNamespace(prefix: string): Promise<string>;
}

/**
 * The control plane that jest's global set-up started once for the whole run. Tests share
 * it and isolate themselves by namespace; a test that must restart or break the API server
 * starts its own with startControlPlane().
 */
export function sharedControlPlane(): SharedControlPlane {
  const file = process.env[sharedControlPlaneEnv];
  if (file === undefined || file === '') {
    throw new Error(
      `${sharedControlPlaneEnv} is not set: run the tests through jest's global set-up (npm test), ` +
        'which starts the shared control plane',
    );
  }
  const info = JSON.parse(readFileSync(file, 'utf8')) as SharedControlPlaneInfo;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(info.kubeconfigPath);
  return {
    ...info,
    kubeConfig,
    userKubeconfig: (user, groups = []) => writeUserKubeconfig(info.userIssuer, user, groups),
    async createNamespace(prefix) {
      const name = `${prefix}-${randomBytes(3).toString('hex')}`;
      const response = await apiRequest(info.connection, {
        method: 'POST',
        path: '/api/v1/namespaces',
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      });
      if (response.status !== 201) {
        throw new Error(`creating namespace ${name}: HTTP ${response.status}: ${response.text}`);
      }
      return name;
    },
  };
}

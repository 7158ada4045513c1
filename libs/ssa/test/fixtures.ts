// Helpers the integration tests share: objects to apply and direct reads and writes that
// go around the code under test (the harness's own HTTPS client).
import { randomBytes } from 'node:crypto';
import { apiRequest, type SharedControlPlane } from '@tide/harness';
import type { Manifest } from '@tide/kube';

export const fieldManager = 'tide-ssa-test';

export function configMap(
  namespace: string,
  name: string,
  data: Record<string, string>,
  annotations?: Record<string, string>,
): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, ...(annotations === undefined ? {} : { annotations }) },
    data,
  };
}

export function deployment(namespace: string, name: string, image = 'nginx:1.27'): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image }] },
      },
    },
  };
}

/** A short random suffix, for cluster-scoped names that must not collide between runs. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** Reads an object straight from the API server; undefined on 404. */
export async function read(
  plane: SharedControlPlane,
  path: string,
): Promise<Record<string, unknown> | undefined> {
  const response = await apiRequest(plane.connection, { method: 'GET', path });
  if (response.status === 404) return undefined;
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${response.text}`);
  return response.body as Record<string, unknown>;
}

/** A merge patch as another field manager would send it (`kubectl edit`). */
export async function patchAs(
  plane: SharedControlPlane,
  path: string,
  patch: unknown,
  manager = 'kubectl-edit',
  subresource = '',
): Promise<void> {
  const response = await apiRequest(plane.connection, {
    method: 'PATCH',
    path: `${path}${subresource}?fieldManager=${manager}`,
    body: patch,
    contentType: 'application/merge-patch+json',
  });
  if (response.status !== 200)
    throw new Error(`PATCH ${path}${subresource}: ${response.status} ${response.text}`);
}

export async function remove(plane: SharedControlPlane, path: string): Promise<void> {
  const response = await apiRequest(plane.connection, { method: 'DELETE', path });
  if (response.status !== 200 && response.status !== 202 && response.status !== 404)
    throw new Error(`DELETE ${path}: ${response.status} ${response.text}`);
}

/** A namespaced CRD in its own random group, so test runs never share one. */
export function widgetCrd(): { crd: Manifest; group: string; kind: string; plural: string } {
  const group = `${randomBytes(3).toString('hex')}.ssa.tide.test`;
  const plural = 'widgets';
  return {
    group,
    kind: 'Widget',
    plural,
    crd: {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural, singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                  status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
            },
          },
        ],
      },
    },
  };
}

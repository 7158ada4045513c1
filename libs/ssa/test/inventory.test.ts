import { describe, expect, it } from '@jest/globals';
import {
  diffInventory,
  inventoryEntry,
  inventoryOf,
  objectId,
  refFromEntry,
} from '../src/index.js';
import type { ObjectRef } from '@tide/kube';

const web: ObjectRef = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  namespace: 'apps',
  name: 'web',
};
const ns: ObjectRef = { apiVersion: 'v1', kind: 'Namespace', name: 'apps' };
const cm: ObjectRef = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'apps', name: 'settings' };
const crd: ObjectRef = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  name: 'widgets.example.com',
};

describe('inventory', () => {
  it.each([
    [web, 'apps_web_apps_Deployment', 'v1'],
    [ns, '_apps__Namespace', 'v1'],
    [cm, 'apps_settings__ConfigMap', 'v1'],
    [crd, '_widgets.example.com_apiextensions.k8s.io_CustomResourceDefinition', 'v1'],
    [
      {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1beta2',
        kind: 'Kustomization',
        namespace: 'flux',
        name: 'a',
      },
      'flux_a_kustomize.toolkit.fluxcd.io_Kustomization',
      'v1beta2',
    ],
  ])('%o has id %s and version %s, and reads back', (ref, id, v) => {
    expect(objectId(ref)).toBe(id);
    expect(inventoryEntry(ref)).toEqual({ id, v });
    expect(refFromEntry({ id, v })).toEqual(ref);
  });

  it('sorts entries by id and keeps one per object', () => {
    expect(inventoryOf([web, ns, cm, web]).map((entry) => entry.id)).toEqual([
      '_apps__Namespace',
      'apps_settings__ConfigMap',
      'apps_web_apps_Deployment',
    ]);
  });

  it('diffInventory returns what left the set, ignoring a version bump of the same object', () => {
    const previous = inventoryOf([web, ns, cm]);
    const next = inventoryOf([{ ...web, apiVersion: 'apps/v2' }, ns]);
    expect(diffInventory(previous, next)).toEqual([cm]);
    expect(diffInventory(next, next)).toEqual([]);
  });

  it.each(['a_b_c', 'a_b_c_d_e', 'ns__apps_Deployment', 'ns_web_apps_'])(
    'rejects the malformed id %s',
    (id) => {
      expect(() => refFromEntry({ id, v: 'v1' })).toThrow('invalid inventory id');
    },
  );
});

import { describe, expect, it } from '@jest/globals';
import { fixNameReferences } from '../src/name-references.js';
import { ResourceIndex } from '../src/resource-index.js';
import { Resource } from '../src/resource.js';
import type { ValueMap } from '../src/value.js';
import { parseDocuments } from '../src/yaml/parse.js';

function indexOf(text: string): ResourceIndex {
  const index = new ResourceIndex();
  for (const document of parseDocuments(text, 'test')) {
    index.add(new Resource(document as ValueMap, 'test'));
  }
  return index;
}

function find(index: ResourceIndex, kind: string, name: string): Resource {
  const found = index.ofKind(kind).find((resource) => resource.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name}`);
  return found;
}

const workload = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: config
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: runner
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      serviceAccountName: runner
      containers:
      - name: c
        envFrom:
        - configMapRef:
            name: config
        - configMapRef:
            name: unrelated
      volumes:
      - name: v
        configMap:
          name: config
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: rb
roleRef:
  kind: ClusterRole
  name: runner
subjects:
- kind: ServiceAccount
  name: runner
`;

describe('name references', () => {
  it('follows renames into pod specs and binding subjects, and leaves other names alone', () => {
    const index = indexOf(workload);
    find(index, 'ConfigMap', 'config').rename('config-abc');
    find(index, 'ServiceAccount', 'runner').rename('p-runner');
    fixNameReferences(index);
    const deployment = find(index, 'Deployment', 'web').object as {
      spec: { template: { spec: ValueMap } };
    };
    const podSpec = deployment.spec.template.spec;
    expect(podSpec.serviceAccountName).toBe('p-runner');
    expect(podSpec.containers).toEqual([
      {
        name: 'c',
        envFrom: [
          { configMapRef: { name: 'config-abc' } },
          { configMapRef: { name: 'unrelated' } },
        ],
      },
    ]);
    expect(podSpec.volumes).toEqual([{ name: 'v', configMap: { name: 'config-abc' } }]);
    const binding = find(index, 'RoleBinding', 'rb').object;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'p-runner' }]);
    // roleRef names a ClusterRole, not the renamed ServiceAccount.
    expect(binding.roleRef).toEqual({ kind: 'ClusterRole', name: 'runner' });
  });

  it('picks the referent in the referrer namespace when several share the old name', () => {
    const index = indexOf(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: config
  namespace: a
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: config
  namespace: b
---
apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: b
spec:
  volumes:
  - name: v
    configMap:
      name: config
`);
    const [first, second] = index.ofKind('ConfigMap');
    first?.rename('config-a');
    second?.rename('config-b');
    fixNameReferences(index);
    expect(find(index, 'Pod', 'p').object.spec).toEqual({
      volumes: [{ name: 'v', configMap: { name: 'config-b' } }],
    });
  });
});

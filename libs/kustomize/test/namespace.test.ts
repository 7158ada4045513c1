/**
 * setNamespace's options, as kustomize's NamespaceTransformer applies them (`unsetOnly`,
 * `setRoleBindingSubjects`). The expected subjects were established with `kubectl kustomize`
 * and a builtin NamespaceTransformer file; the `transformers:` field itself belongs to the
 * plugin work, so these run the transformer directly.
 */
import { describe, expect, it } from '@jest/globals';
import { Resource } from '../src/resource.js';
import { setNamespace, type NamespaceOptions } from '../src/transformers/namespace.js';
import type { ValueMap } from '../src/value.js';
import { parseDocuments } from '../src/yaml/parse.js';

const input = `
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa, namespace: keep}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: crb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: ServiceAccount, name: default, namespace: elsewhere}
- {kind: ServiceAccount, name: default}
- {kind: ServiceAccount, name: other, namespace: elsewhere}
- {kind: ServiceAccount, name: other2}
- {kind: User, name: default}
`;

interface Outcome {
  readonly serviceAccount: string;
  readonly configMap: string;
  /** Each subject's namespace, `-` where it has none. */
  readonly subjects: readonly string[];
}

function run(options: NamespaceOptions): Outcome {
  const resources = parseDocuments(input, 'test').map(
    (document) => new Resource(document as ValueMap, 'test'),
  );
  setNamespace(resources, 'target', options);
  const [serviceAccount, configMap, binding] = resources;
  const subjects = binding?.object.subjects;
  return {
    serviceAccount: serviceAccount?.namespace ?? '',
    configMap: configMap?.namespace ?? '',
    subjects: Array.isArray(subjects)
      ? subjects.map((subject) => {
          const namespace = (subject as ValueMap).namespace;
          return typeof namespace === 'string' ? namespace : '-';
        })
      : [],
  };
}

describe('setNamespace options', () => {
  it.each<[string, NamespaceOptions, Outcome]>([
    [
      'default: subjects named default, whatever their kind or namespace',
      {},
      {
        serviceAccount: 'target',
        configMap: 'target',
        subjects: ['target', 'target', 'elsewhere', '-', 'target'],
      },
    ],
    [
      'unsetOnly: only missing namespaces are set',
      { unsetOnly: true },
      {
        serviceAccount: 'keep',
        configMap: 'target',
        subjects: ['elsewhere', 'target', 'elsewhere', '-', 'target'],
      },
    ],
    [
      'allServiceAccounts: every ServiceAccount subject, no other kind',
      { roleBindingSubjects: 'allServiceAccounts' },
      {
        serviceAccount: 'target',
        configMap: 'target',
        subjects: ['target', 'target', 'target', 'target', '-'],
      },
    ],
    [
      'allServiceAccounts with unsetOnly',
      { roleBindingSubjects: 'allServiceAccounts', unsetOnly: true },
      {
        serviceAccount: 'keep',
        configMap: 'target',
        subjects: ['elsewhere', 'target', 'elsewhere', 'target', '-'],
      },
    ],
    [
      'none: subjects are left alone',
      { roleBindingSubjects: 'none' },
      {
        serviceAccount: 'target',
        configMap: 'target',
        subjects: ['elsewhere', '-', 'elsewhere', '-', '-'],
      },
    ],
  ])('%s', (_name, options, expected) => {
    expect(run(options)).toEqual(expected);
  });
});

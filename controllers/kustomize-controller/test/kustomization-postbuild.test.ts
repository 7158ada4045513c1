import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { publishGitRepository } from '@tide/test-support';
import { startKustomizeEnvironment, type KustomizeEnvironment } from './environment.js';
import {
  conditionOf,
  configMapKind,
  getOrUndefined,
  kustomization,
  secretKind,
  waitNotReady,
  waitReady,
  type ConfigMapObject,
} from './fixtures.js';
import { KustomizationGVK } from '@tide/api';

const settings = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  cluster: \${cluster}
  region: \${region:=eu-west-1}
  escaped: $\${cluster}
  fromConfigMap: \${color}
  fromSecret: \${password}
  optionalMissing: "\${nothing}"
  regexy: \${pattern}
  shell: echo \${1} $$ $&
`;

const untouched = `apiVersion: v1
kind: ConfigMap
metadata:
  name: untouched
  annotations:
    kustomize.toolkit.fluxcd.io/substitute: disabled
data:
  raw: \${cluster}
`;

describe('Kustomization post-build substitution and spec overlay fields', () => {
  let env: KustomizeEnvironment;

  beforeAll(async () => {
    env = await startKustomizeEnvironment('ks-postbuild');
    await publishGitRepository(env, 'app', {
      files: { 'app/settings.yaml': settings, 'app/untouched.yaml': untouched },
    });
    await env.client.create(configMapKind, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'vars', namespace: env.namespace },
      data: { color: 'blue', cluster: 'overridden-by-substitute' },
    });
    await env.client.create(secretKind, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'secret-vars', namespace: env.namespace },
      data: { password: Buffer.from('s3cret').toString('base64') },
    });
  });
  afterAll(async () => {
    await env.stop();
  });

  it('substitutes variables, defaults, escapes and substituteFrom; leaves opted-out objects', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('subst', 'app', {
        path: './app',
        targetNamespace: env.namespace,
        namePrefix: 'pre-',
        nameSuffix: '-suf',
        commonMetadata: { labels: { team: 'web' }, annotations: { owner: 'ops' } },
        postBuild: {
          substitute: { cluster: 'prod', pattern: '$& \\1 $1' },
          substituteFrom: [
            { kind: 'ConfigMap', name: 'vars' },
            { kind: 'Secret', name: 'secret-vars' },
            { kind: 'ConfigMap', name: 'not-there', optional: true },
          ],
        },
      }),
    );
    await waitReady(env, 'subst');
    const config = await getOrUndefined<ConfigMapObject>(env, configMapKind, 'pre-settings-suf');
    expect(config?.data).toEqual({
      cluster: 'prod',
      region: 'eu-west-1',
      escaped: '${cluster}',
      fromConfigMap: 'blue',
      fromSecret: 's3cret',
      optionalMissing: '',
      regexy: '$& \\1 $1',
      shell: 'echo ${1} $$ $&',
    });
    expect(config?.metadata.labels).toMatchObject({ team: 'web' });
    expect(config?.metadata.annotations).toMatchObject({ owner: 'ops' });
    const raw = await getOrUndefined<ConfigMapObject>(env, configMapKind, 'pre-untouched-suf');
    expect(raw?.data).toEqual({ raw: '${cluster}' });
  });

  it('a substituteFrom source that is missing and not optional fails the build', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('missing-vars', 'app', {
        path: './app',
        targetNamespace: env.namespace,
        namePrefix: 'missing-',
        postBuild: { substituteFrom: [{ kind: 'Secret', name: 'absent' }] },
      }),
    );
    const failed = await waitNotReady(env, 'missing-vars', 'BuildFailed');
    expect(conditionOf(failed, 'Ready')?.message).toBe("substituteFrom: Secret 'absent' not found");
  });
});

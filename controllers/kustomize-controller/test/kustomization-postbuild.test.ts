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

const forms = `apiVersion: v1
kind: ConfigMap
metadata:
  name: forms
data:
  upper: \${cluster^^}
  first: \${cluster^}
  length: n\${#cluster}
  slice: \${cluster:1:2}
  replaced: \${image//:/-}
  prefix: \${image#*/}
  suffix: \${image%:*}
  fallback: \${absent:-\${cluster}-default}
  untouched: \${not.a.name}
`;

const grafana = `apiVersion: v1
kind: ConfigMap
metadata:
  name: dashboard
data:
  datasource: \${ds_prometheus}
  defaulted: \${region:=eu-west-1}
`;

describe('Kustomization post-build substitution and spec overlay fields', () => {
  let env: KustomizeEnvironment;

  beforeAll(async () => {
    env = await startKustomizeEnvironment('ks-postbuild');
    await publishGitRepository(env, 'app', {
      files: { 'app/settings.yaml': settings, 'app/untouched.yaml': untouched },
    });
    await publishGitRepository(env, 'forms', { files: { 'forms.yaml': forms } });
    await publishGitRepository(env, 'dashboards', { files: { 'dashboard.yaml': grafana } });
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
      // envsubst: `${1}` names a variable (never defined), `$$` is one dollar.
      shell: 'echo  $ $&',
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

  it("evaluates envsubst's shell forms", async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('forms', 'forms', {
        targetNamespace: env.namespace,
        postBuild: { substitute: { cluster: 'prod', image: 'ghcr.io/org/app:v1.2' } },
      }),
    );
    await waitReady(env, 'forms');
    const config = await getOrUndefined<ConfigMapObject>(env, configMapKind, 'forms');
    expect(config?.data).toEqual({
      upper: 'PROD',
      first: 'Prod',
      length: 'n4',
      slice: 'ro',
      replaced: 'ghcr.io/org/app-v1.2',
      prefix: 'org/app:v1.2',
      suffix: 'ghcr.io/org/app',
      fallback: 'prod-default',
      untouched: '${not.a.name}',
    });
  });

  it('substituteStrategy WithVariables (the default) leaves the text when no variable is defined; Always substitutes', async () => {
    const noVariables = {
      substituteFrom: [{ kind: 'ConfigMap' as const, name: 'no-such', optional: true }],
    };
    await env.apply(
      KustomizationGVK,
      kustomization('with-variables', 'dashboards', {
        targetNamespace: env.namespace,
        namePrefix: 'kept-',
        postBuild: noVariables,
      }),
    );
    await waitReady(env, 'with-variables');
    const kept = await getOrUndefined<ConfigMapObject>(env, configMapKind, 'kept-dashboard');
    expect(kept?.data).toEqual({
      datasource: '${ds_prometheus}',
      defaulted: '${region:=eu-west-1}',
    });

    await env.apply(
      KustomizationGVK,
      kustomization('always', 'dashboards', {
        targetNamespace: env.namespace,
        namePrefix: 'always-',
        postBuild: { ...noVariables, substituteStrategy: 'Always' },
      }),
    );
    await waitReady(env, 'always');
    const substituted = await getOrUndefined<ConfigMapObject>(
      env,
      configMapKind,
      'always-dashboard',
    );
    expect(substituted?.data).toEqual({ datasource: '', defaulted: 'eu-west-1' });
  });

  it('spec.buildMetadata sets kustomize build options on the top-level kustomization', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('build-metadata', 'forms', {
        targetNamespace: env.namespace,
        namePrefix: 'origin-',
        buildMetadata: ['originAnnotations'],
      }),
    );
    await waitReady(env, 'build-metadata');
    const config = await getOrUndefined<ConfigMapObject>(env, configMapKind, 'origin-forms');
    expect(config?.metadata.annotations?.['config.kubernetes.io/origin']).toContain(
      'path: forms.yaml',
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { publishGitRepository } from '@tide/test-support';
import { startKustomizeEnvironment, type KustomizeEnvironment } from './environment.js';
import {
  conditionOf,
  configMapKind,
  getOrUndefined,
  kustomization,
  waitNotReady,
} from './fixtures.js';
import { KustomizationGVK } from '@tide/api';

describe('Kustomization strict post-build substitution', () => {
  let env: KustomizeEnvironment;

  beforeAll(async () => {
    env = await startKustomizeEnvironment('ks-strict', { strictSubstitutions: true });
    await publishGitRepository(env, 'app', {
      files: {
        'app/config.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: strict\ndata:\n  a: ${defined}\n  b: ${undefinedVar}\n',
      },
    });
  });
  afterAll(async () => {
    await env.stop();
  });

  it('an undefined variable is a BuildFailed naming it, and nothing is applied', async () => {
    await env.apply(
      KustomizationGVK,
      kustomization('strict', 'app', {
        path: './app',
        targetNamespace: env.namespace,
        postBuild: { substitute: { defined: 'yes' } },
      }),
    );
    const failed = await waitNotReady(env, 'strict', 'BuildFailed');
    expect(conditionOf(failed, 'Ready')?.message).toBe(
      `ConfigMap/${env.namespace}/strict: variable 'undefinedVar' is not defined`,
    );
    expect(await getOrUndefined(env, configMapKind, 'strict')).toBeUndefined();
  });
});

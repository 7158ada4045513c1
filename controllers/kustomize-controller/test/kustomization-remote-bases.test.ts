/**
 * Remote bases: a kustomization in the source that names another Git repository
 * (`http://host/org/repo.git//base?ref=v1`) is built with it, as Flux does, unless the
 * controller runs with `--no-remote-bases`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGitServer, type GitServer } from '@tide/harness';
import { publishGitRepository } from '@tide/test-support';
import { startKustomizeEnvironment, type KustomizeEnvironment } from './environment.js';
import {
  conditionOf,
  configMapKind,
  getOrUndefined,
  kustomization,
  waitNotReady,
  waitReady,
  type ConfigMapObject,
} from './fixtures.js';
import { KustomizationGVK } from '@tide/api';

describe('Kustomization remote bases', () => {
  let git: GitServer;
  let baseUrl: string;
  let appFiles: Record<string, string>;

  beforeAll(async () => {
    git = await startGitServer();
    const base = await git.createRepository('platform', {
      files: {
        'base/kustomization.yaml': 'resources: [settings.yaml]\ncommonLabels: {tier: platform}\n',
        'base/settings.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: platform-settings\ndata:\n  from: base\n',
      },
    });
    await base.tag('v1');
    baseUrl = base.url;
    appFiles = {
      'app/kustomization.yaml': `resources:\n- ${baseUrl}//base?ref=v1\nnamePrefix: app-\n`,
    };
  });
  afterAll(async () => {
    await git.stop();
  });

  describe('by default', () => {
    let env: KustomizeEnvironment;
    beforeAll(async () => {
      env = await startKustomizeEnvironment('ks-remote');
      await publishGitRepository(env, 'app', { files: appFiles });
    });
    afterAll(async () => {
      await env.stop();
    });

    it('fetches the remote base and applies it with the overlay', async () => {
      await env.apply(
        KustomizationGVK,
        kustomization('with-base', 'app', { path: './app', targetNamespace: env.namespace }),
      );
      await waitReady(env, 'with-base');
      const settings = await getOrUndefined<ConfigMapObject>(
        env,
        configMapKind,
        'app-platform-settings',
      );
      expect(settings?.data).toEqual({ from: 'base' });
      expect(settings?.metadata.labels).toMatchObject({ tier: 'platform' });
    });
  });

  describe('with --no-remote-bases', () => {
    let env: KustomizeEnvironment;
    beforeAll(async () => {
      env = await startKustomizeEnvironment('ks-no-remote', { noRemoteBases: true });
      await publishGitRepository(env, 'app', { files: appFiles });
    });
    afterAll(async () => {
      await env.stop();
    });

    it('refuses the remote base, naming it', async () => {
      await env.apply(
        KustomizationGVK,
        kustomization('with-base', 'app', { path: './app', targetNamespace: env.namespace }),
      );
      const failed = await waitNotReady(env, 'with-base', 'BuildFailed');
      expect(conditionOf(failed, 'Ready')?.message).toBe(
        `app/kustomization.yaml: remote base ${baseUrl}//base?ref=v1 is refused: this controller runs with --no-remote-bases`,
      );
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  makeTempDir,
  oracles,
  run,
  startControlPlane,
  startController,
  startGitServer,
  waitFor,
  type ControlPlane,
  type ControllerProcess,
  type GitRepositoryFixture,
  type GitServer,
  type TempDir,
} from '@tide/harness';

/**
 * The first milestone, end to end: source-controller and kustomize-controller as their own
 * processes; a push to Git makes the cluster follow — applied, changed, pruned, and drift
 * reverted — driven only through git and kubectl, as a user would.
 */
describe('push to Git, the cluster follows', () => {
  let controlPlane: ControlPlane;
  let controllers: ControllerProcess[] = [];
  let git: GitServer;
  let repo: GitRepositoryFixture;
  let temp: TempDir;
  let kubectl: string;
  const k = (...args: string[]) =>
    run(kubectl, ['--kubeconfig', controlPlane.kubeconfigPath, ...args]);
  const apply = (yaml: string) =>
    run(kubectl, ['--kubeconfig', controlPlane.kubeconfigPath, 'apply', '-f', '-'], {
      input: yaml,
    });
  const configMapValue = async (name: string): Promise<string | undefined> => {
    const out = await k(
      'get',
      'configmap',
      name,
      '-n',
      'apps',
      '-o',
      'jsonpath={.data.color}',
    ).catch(() => undefined);
    return out === undefined || out === '' ? undefined : out;
  };

  beforeAll(async () => {
    controlPlane = await startControlPlane({ crds: true });
    temp = await makeTempDir('e2e-loop');
    git = await startGitServer();
    kubectl = (await oracles()).kubectl;
    controllers = [
      await startController('source-controller', {
        kubeconfigPath: controlPlane.kubeconfigPath,
        workDir: temp.path,
      }),
      await startController('kustomize-controller', {
        kubeconfigPath: controlPlane.kubeconfigPath,
        workDir: temp.path,
      }),
    ];
    repo = await git.createRepository('fleet', {
      files: {
        'apps/base/kustomization.yaml':
          'resources:\n  - namespace.yaml\n  - web.yaml\n  - extra.yaml\n',
        'apps/base/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n',
        'apps/base/web.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: apps\ndata:\n  color: blue\n',
        'apps/base/extra.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: apps\ndata:\n  color: green\n',
        'apps/prod/kustomization.yaml':
          'resources:\n  - ../base\npatches:\n  - target:\n      kind: ConfigMap\n      name: web\n    patch: |\n      - op: replace\n        path: /data/color\n        value: red\n',
      },
    });
  });
  afterAll(async () => {
    await Promise.all(controllers.map((c) => c.stop()));
    await git.stop();
    await controlPlane.stop();
    await temp.remove();
  });

  it('applies the overlay of the pushed revision', async () => {
    await apply(
      [
        'apiVersion: source.toolkit.fluxcd.io/v1',
        'kind: GitRepository',
        'metadata: {name: fleet, namespace: default}',
        `spec: {url: "${repo.url}", interval: 1s, ref: {branch: main}}`,
        '---',
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata: {name: apps, namespace: default}',
        'spec: {interval: 1s, path: ./apps/prod, prune: true, sourceRef: {kind: GitRepository, name: fleet}}',
        '',
      ].join('\n'),
    );
    await waitFor(async () => ((await configMapValue('web')) === 'red' ? true : undefined), {
      timeoutMs: 60_000,
      what: 'ConfigMap apps/web = red',
    });
    expect(await configMapValue('extra')).toBe('green');
    const head = await repo.head();
    await waitFor(
      async () =>
        (await k(
          'get',
          'kustomization',
          'apps',
          '-o',
          'jsonpath={.status.lastAppliedRevision}',
        )) === `main@sha1:${head}`
          ? true
          : undefined,
      { timeoutMs: 30_000, what: 'lastAppliedRevision' },
    );
  });

  it('follows a push that changes a field and one that removes a file', async () => {
    await repo.commit(
      {
        'apps/prod/kustomization.yaml':
          'resources:\n  - ../base\npatches:\n  - target:\n      kind: ConfigMap\n      name: web\n    patch: |\n      - op: replace\n        path: /data/color\n        value: purple\n',
      },
      'prod is purple',
    );
    await waitFor(async () => ((await configMapValue('web')) === 'purple' ? true : undefined), {
      timeoutMs: 60_000,
      what: 'the pushed change',
    });
    await repo.commit(
      {
        'apps/base/extra.yaml': null,
        'apps/base/kustomization.yaml': 'resources:\n  - namespace.yaml\n  - web.yaml\n',
      },
      'drop extra',
    );
    await waitFor(async () => ((await configMapValue('extra')) === undefined ? true : undefined), {
      timeoutMs: 60_000,
      what: 'ConfigMap apps/extra pruned',
    });
  });

  it('reverts a change made by hand (drift)', async () => {
    await k(
      'patch',
      'configmap',
      'web',
      '-n',
      'apps',
      '--type=merge',
      '-p',
      '{"data":{"color":"hand-edited"}}',
    );
    await waitFor(async () => ((await configMapValue('web')) === 'purple' ? true : undefined), {
      timeoutMs: 60_000,
      what: 'drift reverted',
    });
  });
});

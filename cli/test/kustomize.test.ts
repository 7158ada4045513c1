import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  makeTempDir,
  oracles,
  repoRoot,
  run,
  startGitServer,
  type GitServer,
  type TempDir,
} from '@tide/harness';

const tide = () => join(repoRoot(), 'node_modules', '.bin', 'tide');

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx
        envFrom:
        - configMapRef:
            name: settings
`;

describe('tide kustomize build', () => {
  let dir: TempDir;

  beforeAll(async () => {
    dir = await makeTempDir('cli-kustomize');
    await mkdir(join(dir.path, 'app'));
    await writeFile(join(dir.path, 'app', 'deployment.yaml'), deployment);
    await writeFile(
      join(dir.path, 'app', 'kustomization.yaml'),
      [
        'namePrefix: prod-',
        'resources:',
        '- deployment.yaml',
        'images:',
        '- name: nginx',
        '  newTag: "1.27"',
        'configMapGenerator:',
        '- name: settings',
        '  literals:',
        '  - mode=prod',
        '',
      ].join('\n'),
    );
    await mkdir(join(dir.path, 'broken'));
    await writeFile(join(dir.path, 'broken', 'kustomization.yaml'), 'resources:\n- nope.yaml\n');
  });

  afterAll(async () => {
    await dir.remove();
  });

  it('prints exactly what kubectl kustomize prints', async () => {
    const { kubectl } = await oracles();
    const ours = await run(tide(), ['kustomize', 'build', join(dir.path, 'app')]);
    const theirs = await run(kubectl, ['kustomize', join(dir.path, 'app')]);
    expect(ours).toBe(theirs);
    expect(ours).toContain('name: prod-settings-');
  });

  it('builds the current directory when no directory is given', async () => {
    const out = await run(tide(), ['kustomize', 'build'], { cwd: join(dir.path, 'app') });
    expect(out).toContain('image: nginx:1.27');
  });

  it('reports a missing file on stderr naming it, with exit code 1', async () => {
    await expect(run(tide(), ['kustomize', 'build', join(dir.path, 'broken')])).rejects.toThrow(
      /exit code 1\): Error: .*nope\.yaml: no such file or directory/,
    );
  });

  it('refuses an unknown load restrictor', async () => {
    await expect(
      run(tide(), ['kustomize', 'build', '--load-restrictor', 'Sometimes', join(dir.path, 'app')]),
    ).rejects.toThrow(/exit code 1\): Error: unknown load restrictor Sometimes/);
  });

  describe('remote resources', () => {
    let server: GitServer;
    let remoteDir: string;

    beforeAll(async () => {
      server = await startGitServer();
      const repo = await server.createRepository('org/app', {
        files: {
          'app/kustomization.yaml': 'resources: [deployment.yaml]\nnamePrefix: remote-\n',
          'app/deployment.yaml': deployment,
        },
      });
      await repo.tag('v1');
      remoteDir = join(dir.path, 'remote');
      await mkdir(remoteDir);
      await writeFile(
        join(remoteDir, 'kustomization.yaml'),
        `resources:\n- ${repo.url}//app?ref=v1\n`,
      );
    });

    afterAll(async () => {
      await server.stop();
    });

    it('fetches them by default and prints what kubectl kustomize prints', async () => {
      const { kubectl } = await oracles();
      const ours = await run(tide(), ['kustomize', 'build', remoteDir]);
      expect(ours).toContain('name: remote-web');
      expect(ours).toBe(await run(kubectl, ['kustomize', remoteDir]));
    });

    it('refuses them with --no-remote', async () => {
      await expect(run(tide(), ['kustomize', 'build', '--no-remote', remoteDir])).rejects.toThrow(
        /exit code 1\): Error: .*fetching remote resources is off/,
      );
    });
  });
});

/**
 * Remote resources against a real Git server (git http-backend on 127.0.0.1): `buildAsync` with
 * `remote: true` must print exactly what `kubectl kustomize` prints for the same kustomization,
 * which fetches the same URLs with the git CLI. Without the option, remote addresses are an error.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  makeTempDir,
  oracles,
  run,
  startGitServer,
  type GitRepositoryFixture,
  type GitServer,
  type TempDir,
} from '@tide/harness';
import { build, buildAsync, KustomizeError } from '@tide/kustomize';

let server: GitServer;
let app: GitRepositoryFixture;
let platform: GitRepositoryFixture;
let v1Commit: string;
let files: Server;
let filesUrl: string;
let temp: TempDir;

const configMap = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: ${value}\n`;

beforeAll(async () => {
  temp = await makeTempDir('kustomize-remote');
  server = await startGitServer();
  // A shared platform repository, itself used remotely by the app repository.
  platform = await server.createRepository('org/platform', {
    files: {
      'rbac/kustomization.yaml': 'resources: [sa.yaml]\nnamePrefix: platform-\n',
      'rbac/sa.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: runner\n',
      'components/debug/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonLabels:\n  debug: "true"\n',
    },
  });
  await platform.tag('v2');
  app = await server.createRepository('org/app', {
    files: {
      'kustomization.yaml': 'resources: [extra/cm.yaml]\n',
      'base/kustomization.yaml': [
        'resources:',
        '- deployment.yaml',
        '- ../shared',
        `- ${platform.url}//rbac?ref=v2`,
        'configMapGenerator:',
        '- name: settings',
        '  literals: [mode=remote]',
        '',
      ].join('\n'),
      'base/deployment.yaml': [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: web',
        'spec:',
        '  template:',
        '    spec:',
        '      serviceAccountName: runner',
        '      containers:',
        '      - name: web',
        '        image: web:1',
        '        envFrom:',
        '        - configMapRef:',
        '            name: settings',
        '',
      ].join('\n'),
      'shared/kustomization.yaml': 'resources: [cm.yaml]\n',
      'shared/cm.yaml': configMap('shared', 'v1'),
      'extra/kustomization.yaml': 'resources: [cm.yaml]\n',
      'extra/cm.yaml': configMap('extra', 'v1'),
      'more/kustomization.yaml': 'resources: [cm.yaml]\n',
      'more/cm.yaml': configMap('more', 'v1'),
    },
  });
  await app.tag('v1');
  v1Commit = await app.head();
  await app.createBranch('release');
  await app.commit({ 'extra/cm.yaml': configMap('extra', 'main') }, 'extra: main');
  // A plain web server with one YAML file, as a raw-file URL points at.
  files = createServer((request, response) => {
    if (request.url === '/raw/settings.yaml') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(configMap('raw', 'from-http'));
      return;
    }
    response.writeHead(404);
    response.end('not found');
  });
  await new Promise<void>((listening) => files.listen(0, '127.0.0.1', listening));
  const address = files.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  filesUrl = `http://127.0.0.1:${address.port}`;
}, 60_000);

afterAll(async () => {
  // Idle keep-alive connections would hold close() open, and the Git server with it.
  files.closeAllConnections();
  await new Promise((done) => files.close(done));
  await server.stop();
  await temp.remove();
});

let counter = 0;

/** A local kustomization directory with these lines. */
function kustomization(lines: readonly string[]): string {
  counter += 1;
  const dir = join(temp.path, `k${counter}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'kustomization.yaml'), [...lines, ''].join('\n'));
  return dir;
}

async function kubectlKustomize(dir: string): Promise<string> {
  const { kubectl } = await oracles();
  return run(kubectl, ['kustomize', dir]);
}

describe('remote resources', () => {
  it.each([
    ['a directory after //, pinned by ?ref= to a tag', (url: string) => [`- ${url}//base?ref=v1`]],
    ['a directory after .git/, on the default branch', (url: string) => [`- ${url}/base`]],
    ['the git:: prefix and ?version=', (url: string) => [`- git::${url}//base?version=v1`]],
    ['the repository root', (url: string) => [`- ${url}?ref=v1`]],
    ['a full commit SHA as ref', (url: string) => [`- ${url}//base?ref=${v1Commit}`]],
    [
      'a branch as ref, and a full ref name',
      (url: string) => [`- ${url}//base?ref=release`, `- ${url}//more?ref=refs/heads/release`],
    ],
    [
      'a repository without .git in its URL',
      (url: string) => [`- ${url.replace(/\.git$/, '')}//base`],
    ],
    [
      'the same repository twice at two refs, with a local patch on top',
      (url: string) => [
        `- ${url}//base?ref=v1`,
        `- ${url}//extra?ref=main`,
        'nameSuffix: -x',
        'patches:',
        '- patch: |',
        '    apiVersion: apps/v1',
        '    kind: Deployment',
        '    metadata:',
        '      name: web',
        '    spec:',
        '      replicas: 3',
      ],
    ],
  ])('builds %s as kustomize does', async (_name, entries) => {
    const dir = kustomization(['resources:', ...entries(app.url)]);
    const ours = await buildAsync(dir, { remote: true });
    expect(ours.yaml).toBe(await kubectlKustomize(dir));
  });

  it('annotates origins and transformations with the repository and ref, as kustomize does', async () => {
    const dir = kustomization([
      'buildMetadata: [originAnnotations, transformerAnnotations]',
      'resources:',
      `- ${app.url}//base?ref=v1`,
      `- ${app.url}?ref=v1`,
    ]);
    const ours = await buildAsync(dir, { remote: true });
    expect(ours.yaml).toContain(`repo: ${app.url}`);
    expect(ours.yaml).toContain(
      `- repo: ${platform.url}\n        ref: v2\n        configuredIn: rbac/kustomization.yaml`,
    );
    expect(ours.yaml).toBe(await kubectlKustomize(dir));
  });

  it('reads an http URL that answers with YAML as a resource file, as kustomize does', async () => {
    const dir = kustomization([
      'buildMetadata: [originAnnotations]',
      'resources:',
      `- ${filesUrl}/raw/settings.yaml`,
      'namePrefix: web-',
    ]);
    const ours = await buildAsync(dir, { remote: true });
    expect(ours.yaml).toContain('value: from-http');
    expect(ours.yaml).toBe(await kubectlKustomize(dir));
  });

  it('fails on an http URL that answers 404 and names no repository, as kustomize does', async () => {
    const dir = kustomization(['resources:', `- ${filesUrl}/missing.yaml`]);
    await expect(buildAsync(dir, { remote: true })).rejects.toThrow(/HTTP Error: status code 404/);
    await expect(kubectlKustomize(dir)).rejects.toThrow(/status code 404/);
  });

  it('uses remote components', async () => {
    const dir = kustomization([
      'resources:',
      `- ${app.url}//shared?ref=v1`,
      'components:',
      `- ${platform.url}//components/debug?ref=v2`,
    ]);
    const ours = await buildAsync(dir, { remote: true });
    expect(ours.yaml).toContain('debug: "true"');
    expect(ours.yaml).toBe(await kubectlKustomize(dir));
  });

  it('fetches each repository and ref once and deletes its checkouts', async () => {
    const before = checkouts();
    const fetchesBefore = uploadPacks('org/app');
    const dir = kustomization([
      'resources:',
      `- ${app.url}//base?ref=v1`,
      `- ${app.url}//more?ref=v1`,
      `- ${app.url}//extra?ref=main`,
    ]);
    const ours = await buildAsync(dir, { remote: true });
    expect(uploadPacks('org/app') - fetchesBefore).toBe(2);
    expect(ours.yaml).toBe(await kubectlKustomize(dir));
    expect(checkouts()).toEqual(before);
  });

  it('deletes its checkouts when the build fails', async () => {
    const before = checkouts();
    const dir = kustomization([
      'resources:',
      `- ${app.url}//shared?ref=v1`,
      `- ${app.url}//base?ref=v1`,
    ]);
    await expect(buildAsync(dir, { remote: true })).rejects.toThrow(KustomizeError);
    expect(checkouts()).toEqual(before);
  });

  it('is an error naming the way to enable it when remote fetching is off', async () => {
    const dir = kustomization(['resources:', `- ${app.url}//base?ref=v1`]);
    const message =
      /fetching remote resources is off; build with buildAsync\(dir, \{ remote: true \}\)/;
    expect(() => build(dir)).toThrow(KustomizeError);
    expect(() => build(dir)).toThrow(message);
    await expect(buildAsync(dir)).rejects.toThrow(message);
  });

  it.each([
    ['a ref the repository lacks', (url: string) => `${url}//base?ref=nope`, /ref nope not found/],
    [
      'a directory the repository lacks',
      (url: string) => `${url}//nope?ref=v1`,
      /no directory 'nope'/,
    ],
    [
      // kustomize GETs it first, and an address that is no repository ends there.
      'a path leaving the repository',
      (url: string) => `${url}//../x`,
      /HTTP Error: status code 404/,
    ],
    ['an scp-style SSH address', () => 'git@example.invalid:org/repo.git', /only http and https/],
    ['an ssh:// address', () => 'ssh://git@example.invalid/org/repo.git', /only http and https/],
    ['a file:// address', () => 'file:///nonexistent/repo.git', /only http and https/],
  ])('fails with a KustomizeError on %s', async (_name, address, message) => {
    const dir = kustomization(['resources:', `- ${address(app.url)}`]);
    const attempt = buildAsync(dir, { remote: true });
    await expect(attempt).rejects.toThrow(KustomizeError);
    await expect(buildAsync(dir, { remote: true })).rejects.toThrow(message);
    await expect(kubectlKustomize(dir)).rejects.toThrow();
  });
});

function checkouts(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('tide-kustomize-remote-'));
}

function uploadPacks(repository: string): number {
  return server.requests().get(`POST /${repository}.git/git-upload-pack`) ?? 0;
}

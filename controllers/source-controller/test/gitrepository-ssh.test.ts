import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dirname } from 'node:path';
import { ConditionType, type GitRepository, type HelmChart } from '@tide/api';
import { readTarball } from '@tide/artifact';
import {
  startGitServer,
  startSshGitServer,
  type GitRepositoryFixture,
  type GitServer,
  type SshClientKey,
  type SshGitServer,
} from '@tide/harness';
import type { ReconcilableObject } from '@tide/runtime';
import { gitRepositoryKind, helmChartKind } from '../src/kinds.js';
import { startSourceEnvironment, type SourceEnvironment } from './environment.js';

type Repo = GitRepository & ReconcilableObject;
type Chart = HelmChart & ReconcilableObject;

const condition = (obj: Repo | Chart, type: string) =>
  obj.status?.conditions?.find((c) => c.type === type);
const ready = (obj: Repo | Chart) => condition(obj, ConditionType.Ready);

/** GitRepository over ssh:// against a real OpenSSH sshd, auth from the Secret as in Flux. */
describe('GitRepository over SSH', () => {
  let env: SourceEnvironment;
  let git: GitServer;
  let sshd: SshGitServer;
  let app: GitRepositoryFixture;
  let key: SshClientKey;
  const commits: Record<string, string> = {};

  beforeAll(async () => {
    env = await startSourceEnvironment('gitssh');
    git = await startGitServer();
    app = await git.createRepository('app', {
      files: {
        'deploy/app.yaml': 'kind: ConfigMap\n',
        'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
        'charts/web/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n',
      },
    });
    commits.first = await app.head();
    await app.tag('v1.0.0', { annotated: true });
    commits.second = await app.commit({ 'deploy/app.yaml': 'kind: Secret\n' }, 'second');
    await app.tag('v1.1.0');
    sshd = await startSshGitServer({ root: dirname(app.bareDir) });
    key = await sshd.createClientKey({ passphrase: 'deploy-key-pass' });
    await env.secret('ssh-auth', {
      identity: key.privateKey,
      'identity.pub': key.publicKey,
      password: key.passphrase ?? '',
      known_hosts: sshd.knownHosts(),
    });
  });
  afterAll(async () => {
    await env.stop();
    await sshd.stop();
    await git.stop();
  });

  const apply = (name: string, spec: Partial<GitRepository['spec']>) =>
    env.apply(gitRepositoryKind, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name },
      spec: { interval: '1h', url: sshd.urlFor('app'), secretRef: { name: 'ssh-auth' }, ...spec },
    });
  const readyRepo = (name: string) =>
    env.waitFor<Repo, Repo>(
      gitRepositoryKind,
      name,
      (o) =>
        ready(o)?.status === 'True' && o.status?.observedGeneration === o.metadata.generation
          ? o
          : undefined,
      'Ready=True',
      30_000,
    );
  const failedRepo = (name: string) =>
    env.waitFor<Repo, Repo>(
      gitRepositoryKind,
      name,
      (o) => (condition(o, ConditionType.FetchFailed)?.status === 'True' ? o : undefined),
      'FetchFailed=True',
      30_000,
    );
  const files = async (obj: Repo): Promise<string[]> => {
    const response = await fetch(obj.status?.artifact?.url ?? '');
    expect(response.status).toBe(200);
    const entries = await readTarball(Buffer.from(await response.arrayBuffer()));
    return entries.map((e) => e.path).sort();
  };

  it.each<[string, GitRepository['spec']['ref'], string]>([
    ['a branch', { branch: 'main' }, 'main@sha1:second'],
    ['an annotated tag', { tag: 'v1.0.0' }, 'v1.0.0@sha1:first'],
    ['a semver range', { semver: '~1.0.0 || 1.1.x' }, 'v1.1.0@sha1:second'],
    ['a commit', { commit: 'first' }, 'sha1:first'],
  ])(
    'stores an artifact of %s fetched over SSH with a passphrase-protected key',
    async (name, ref, want) => {
      const objName = `by-${name.replace(/\W+/g, '-').replace(/^-|-$/g, '')}`;
      const resolvedRef =
        ref?.commit === undefined ? ref : { ...ref, commit: commits[ref.commit] ?? '' };
      await apply(objName, { ...(resolvedRef === undefined ? {} : { ref: resolvedRef }) });
      const obj = await readyRepo(objName);
      const revision = want.replace(/first|second$/, (which) => commits[which] ?? '');
      expect(obj.status?.artifact?.revision).toBe(revision);
      const commit = revision.slice(revision.indexOf('sha1:') + 5);
      expect(await files(obj)).toEqual(await app.files(commit));
      expect(await sshd.commands()).toContain('git-upload-pack /app.git');
    },
  );

  it('refuses a host key known_hosts does not list, naming the host and the offered key', async () => {
    const other = await startSshGitServer({ root: dirname(app.bareDir) });
    try {
      await env.secret('wrong-host', {
        identity: key.privateKey,
        password: key.passphrase ?? '',
        known_hosts: other.knownHosts().replaceAll(`:${other.port} `, `:${sshd.port} `),
      });
      await apply('wrong-host', { secretRef: { name: 'wrong-host' } });
      const obj = await failedRepo('wrong-host');
      expect(ready(obj)?.status).toBe('False');
      expect(ready(obj)?.message).toMatch(
        new RegExp(
          `host key refused: the host key of \\[127\\.0\\.0\\.1\\]:${sshd.port} does not match known_hosts: offered ssh-ed25519 SHA256:`,
        ),
      );
      expect(obj.status?.artifact).toBeUndefined();
    } finally {
      await other.stop();
    }
  });

  it('refuses an identity the server does not know', async () => {
    const stranger = await sshd.createClientKey({ authorize: false });
    await env.secret('stranger', { identity: stranger.privateKey, known_hosts: sshd.knownHosts() });
    await apply('stranger', { secretRef: { name: 'stranger' } });
    const obj = await failedRepo('stranger');
    expect(ready(obj)?.message).toMatch(
      /authentication failed for ssh:\/\/127\.0\.0\.1:\d+\/app\.git: 127\.0\.0\.1:\d+ did not accept the secret's 'identity' key \(ssh-ed25519 SHA256:/,
    );
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['no known_hosts', { password: 'deploy-key-pass' }, /has no 'known_hosts'/],
    ['no identity', { known_hosts: 'x' }, /has no 'identity' \(the SSH private key\)/],
    [
      'no password for an encrypted key',
      { known_hosts: 'x' },
      /the key is encrypted and the secret has no 'password'/,
    ],
  ])('fails with AuthenticationFailed when the Secret has %s', async (name, data, message) => {
    const objName = `secret-${name.replace(/[\W_]+/g, '-')}`;
    const withIdentity = name === 'no identity' ? {} : { identity: key.privateKey };
    const knownHosts = data.known_hosts === undefined ? {} : { known_hosts: sshd.knownHosts() };
    await env.secret(objName, { ...withIdentity, ...data, ...knownHosts });
    await apply(objName, { secretRef: { name: objName } });
    const obj = await failedRepo(objName);
    expect(condition(obj, ConditionType.FetchFailed)?.reason).toBe('AuthenticationFailed');
    expect(ready(obj)?.message).toMatch(message);
    expect(ready(obj)?.message).toContain(`secret ${env.namespace}/${objName}`);
  });

  it('includes an SSH GitRepository into another, and builds a HelmChart from it', async () => {
    await apply('ssh-source', { ref: { branch: 'main' } });
    const outer = await git.createRepository('outer', { files: { 'outer.yaml': 'x\n' } });
    await env.apply(gitRepositoryKind, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'outer' },
      spec: {
        interval: '1h',
        url: outer.url,
        ref: { branch: 'main' },
        include: [{ repository: { name: 'ssh-source' }, fromPath: 'deploy', toPath: 'vendor' }],
      },
    });
    expect(await files(await readyRepo('outer'))).toEqual(['outer.yaml', 'vendor/app.yaml']);
    await env.apply(helmChartKind, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmChart',
      metadata: { name: 'web' },
      spec: {
        interval: '1h',
        chart: './charts/web',
        sourceRef: { kind: 'GitRepository', name: 'ssh-source' },
      },
    });
    const chart = await env.waitFor<Chart, Chart>(
      helmChartKind,
      'web',
      (o) => (ready(o)?.status === 'True' ? o : undefined),
      'HelmChart Ready=True',
      30_000,
    );
    expect(chart.status?.artifact?.revision).toBe('0.1.0');
  });
});

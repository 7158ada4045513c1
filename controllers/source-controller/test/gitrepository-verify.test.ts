import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConditionType, type GitRepository } from '@tide/api';
import {
  makeGpgKey,
  makeSshSigningKey,
  startGitServer,
  type GitServer,
  type SigningKey,
} from '@tide/harness';
import { PatchType } from '@tide/kube';
import type { ReconcilableObject } from '@tide/runtime';
import { needsVerification, verificationMode } from '../src/gitrepository-verify.js';
import { gitRepositoryKind, secretKind } from '../src/kinds.js';
import { startSourceEnvironment, type SourceEnvironment } from './environment.js';

type Repo = GitRepository & ReconcilableObject;
type Verify = NonNullable<GitRepository['spec']['verify']>;

const condition = (obj: Repo, type: string) => obj.status?.conditions?.find((c) => c.type === type);

describe('GitRepository spec.verify on the real Git server', () => {
  let env: SourceEnvironment;
  let git: GitServer;
  let gpg: SigningKey;
  let ssh: SigningKey;
  let stranger: SigningKey;

  beforeAll(async () => {
    [env, git, gpg, ssh, stranger] = await Promise.all([
      startSourceEnvironment('gitverify'),
      startGitServer(),
      makeGpgKey('gpg@tide.invalid'),
      makeSshSigningKey('ed25519'),
      makeSshSigningKey('ecdsa'),
    ]);
  });
  afterAll(async () => {
    await env.stop();
    await git.stop();
    await Promise.all([gpg.remove(), ssh.remove(), stranger.remove()]);
  });

  const secret = async (name: string, stringData: Record<string, string>): Promise<void> => {
    await env.client.create(secretKind, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: env.namespace },
      stringData,
    } as never);
  };

  const apply = (
    name: string,
    url: string,
    verify: Verify,
    ref: GitRepository['spec']['ref'] = { branch: 'main' },
  ) =>
    env.apply(gitRepositoryKind, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name },
      spec: { interval: '2s', url, ref, verify },
    });

  /** Waits until SourceVerified has `status` (and Ready agrees) for the current generation. */
  const verified = (name: string, status: 'True' | 'False', timeoutMs = 20_000) =>
    env.waitFor<Repo, Repo>(
      gitRepositoryKind,
      name,
      (o) =>
        condition(o, ConditionType.SourceVerified)?.status === status &&
        condition(o, ConditionType.Ready)?.status === status
          ? o
          : undefined,
      `SourceVerified=${status} and Ready=${status}`,
      timeoutMs,
    );

  it('publishes a commit signed with a trusted OpenPGP key and names the key', async () => {
    const repo = await git.createRepository('pgp-head');
    const head = await repo.commit({ 'app.yaml': 'a: 1\n' }, 'signed', { sign: gpg.signing });
    await secret('pgp-keys', { 'author.asc': gpg.publicKey });
    await apply('pgp-head', repo.url, { mode: 'HEAD', secretRef: { name: 'pgp-keys' } });
    const obj = await verified('pgp-head', 'True');
    expect(obj.status?.artifact?.revision).toBe(`main@sha1:${head}`);
    expect(obj.status?.sourceVerificationMode).toBe('HEAD');
    const sourceVerified = condition(obj, ConditionType.SourceVerified);
    expect(sourceVerified?.reason).toBe('Succeeded');
    expect(sourceVerified?.message).toBe(
      `verified signature of\n\t- commit '${head}' with key '${gpg.id}'`,
    );
  });

  it('publishes a commit signed with a trusted SSH key and names its fingerprint', async () => {
    const repo = await git.createRepository('ssh-head');
    const head = await repo.commit({ 'app.yaml': 'a: 1\n' }, 'signed', { sign: ssh.signing });
    await secret('ssh-keys', { 'author.pub': `${ssh.publicKey}\n` });
    await apply('ssh-head', repo.url, { secretRef: { name: 'ssh-keys' } });
    const obj = await verified('ssh-head', 'True');
    expect(obj.status?.artifact?.revision).toBe(`main@sha1:${head}`);
    expect(condition(obj, ConditionType.SourceVerified)?.message).toContain(
      `commit '${head}' with key '${ssh.id}'`,
    );
  });

  it('keeps the last good artifact when an unsigned commit is pushed', async () => {
    const repo = await git.createRepository('unsigned');
    const good = await repo.commit({ 'app.yaml': 'a: 1\n' }, 'signed', { sign: ssh.signing });
    await secret('unsigned-keys', { 'author.pub': ssh.publicKey });
    await apply('unsigned', repo.url, { mode: 'HEAD', secretRef: { name: 'unsigned-keys' } });
    await verified('unsigned', 'True');
    const bad = await repo.commit({ 'app.yaml': 'a: evil\n' }, 'unsigned');
    const obj = await verified('unsigned', 'False');
    const sourceVerified = condition(obj, ConditionType.SourceVerified);
    expect(sourceVerified?.reason).toBe('InvalidCommitSignature');
    expect(sourceVerified?.message).toBe(
      `signature verification of commit '${bad}' failed: the commit is not signed`,
    );
    expect(condition(obj, ConditionType.Ready)?.reason).toBe('InvalidCommitSignature');
    expect(obj.status?.artifact?.revision).toBe(`main@sha1:${good}`);
  });

  it('publishes nothing for a commit signed by a key the Secret does not list', async () => {
    const repo = await git.createRepository('stranger');
    await repo.commit({ 'app.yaml': 'a: 1\n' }, 'by a stranger', { sign: stranger.signing });
    await secret('stranger-keys', { 'author.pub': ssh.publicKey, 'author.asc': gpg.publicKey });
    await apply('stranger', repo.url, { secretRef: { name: 'stranger-keys' } });
    const obj = await verified('stranger', 'False');
    const sourceVerified = condition(obj, ConditionType.SourceVerified);
    expect(sourceVerified?.reason).toBe('InvalidCommitSignature');
    expect(sourceVerified?.message).toContain(
      `signed by SSH key ${stranger.id}, which is not among the trusted keys`,
    );
    expect(obj.status?.artifact).toBeUndefined();
  });

  it('verifies a signed annotated tag with mode Tag, and tag and commit with TagAndHEAD', async () => {
    const repo = await git.createRepository('tagged');
    const head = await repo.commit({ 'app.yaml': 'a: 1\n' }, 'release', { sign: gpg.signing });
    await repo.tag('v1.0.0', { sign: ssh.signing });
    await secret('tag-keys', { 'a.pub': ssh.publicKey, 'b.asc': gpg.publicKey });
    await apply(
      'tag',
      repo.url,
      { mode: 'Tag', secretRef: { name: 'tag-keys' } },
      { tag: 'v1.0.0' },
    );
    const tag = await verified('tag', 'True');
    expect(tag.status?.artifact?.revision).toBe(`v1.0.0@sha1:${head}`);
    expect(tag.status?.sourceVerificationMode).toBe('Tag');
    const tagMessage = condition(tag, ConditionType.SourceVerified)?.message ?? '';
    expect(tagMessage).toMatch(
      new RegExp(
        `^verified signature of\\n\\t- tag 'v1\\.0\\.0@sha1:[0-9a-f]{40}' with key '${ssh.id.replace(/[+/]/g, '\\$&')}'$`,
      ),
    );
    await apply(
      'both',
      repo.url,
      { mode: 'TagAndHEAD', secretRef: { name: 'tag-keys' } },
      { semver: '>=1.0.0' },
    );
    const both = await verified('both', 'True');
    expect(condition(both, ConditionType.SourceVerified)?.message).toContain(
      `\n\t- commit '${head}' with key '${gpg.id}'`,
    );
  });

  it('refuses mode Tag for a branch reference and an unsigned annotated tag', async () => {
    const repo = await git.createRepository('branch-tag');
    await repo.commit({ 'app.yaml': 'a: 1\n' }, 'signed', { sign: ssh.signing });
    await repo.tag('v2', { annotated: true });
    await secret('branch-tag-keys', { 'a.pub': ssh.publicKey });
    await apply('branch-tag', repo.url, { mode: 'Tag', secretRef: { name: 'branch-tag-keys' } });
    const branch = await verified('branch-tag', 'False');
    expect(condition(branch, ConditionType.SourceVerified)?.reason).toBe('InvalidVerificationMode');
    expect(condition(branch, ConditionType.Stalled)?.status).toBe('True');
    await apply(
      'unsigned-tag',
      repo.url,
      { mode: 'Tag', secretRef: { name: 'branch-tag-keys' } },
      { tag: 'v2' },
    );
    const unsignedTag = await verified('unsigned-tag', 'False');
    expect(condition(unsignedTag, ConditionType.SourceVerified)?.reason).toBe('InvalidGitObject');
    expect(unsignedTag.status?.artifact).toBeUndefined();
  });

  it('takes a rotated key in the Secret on the next reconcile', async () => {
    const repo = await git.createRepository('rotate');
    const head = await repo.commit({ 'app.yaml': 'a: 1\n' }, 'by the new key', {
      sign: stranger.signing,
    });
    await secret('rotate-keys', { 'signer.pub': ssh.publicKey });
    await apply('rotate', repo.url, { secretRef: { name: 'rotate-keys' } });
    await verified('rotate', 'False');
    await env.client.patch(
      secretKind,
      { namespace: env.namespace, name: 'rotate-keys' },
      { stringData: { 'signer.pub': stranger.publicKey } },
      { type: PatchType.Merge },
    );
    const obj = await verified('rotate', 'True');
    expect(obj.status?.artifact?.revision).toBe(`main@sha1:${head}`);
    expect(condition(obj, ConditionType.SourceVerified)?.message).toContain(stranger.id);
  });

  it('fails clearly, publishing nothing, when the verify Secret is missing', async () => {
    const repo = await git.createRepository('no-secret');
    await repo.commit({ 'app.yaml': 'a: 1\n' }, 'signed', { sign: ssh.signing });
    await apply('no-secret', repo.url, { secretRef: { name: 'absent' } });
    const obj = await verified('no-secret', 'False');
    const sourceVerified = condition(obj, ConditionType.SourceVerified);
    expect(sourceVerified?.reason).toBe('VerificationError');
    expect(sourceVerified?.message).toContain('failed to get secret');
    expect(sourceVerified?.message).toContain('absent');
    expect(obj.status?.artifact).toBeUndefined();
  });
});

describe('when the stored artifact must be verified again', () => {
  const repo = (verify: Verify | undefined, mode?: string, verified?: 'True' | 'False'): Repo => ({
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: 'r', generation: 1 },
    spec: {
      interval: '1m',
      url: 'https://git.invalid/r',
      ...(verify === undefined ? {} : { verify }),
    },
    status: {
      ...(mode === undefined ? {} : { sourceVerificationMode: mode }),
      conditions:
        verified === undefined
          ? []
          : [
              {
                type: ConditionType.SourceVerified,
                status: verified,
                reason: 'r',
                message: '',
                lastTransitionTime: '2026-01-01T00:00:00Z',
              },
            ],
    },
  });
  const keys = { name: 'keys' };
  it.each([
    ['no verify spec', repo(undefined), undefined, false],
    [
      'verified with the same mode',
      repo({ mode: 'HEAD', secretRef: keys }, 'HEAD', 'True'),
      'HEAD',
      false,
    ],
    [
      'v1beta2 head, verified as HEAD',
      repo({ mode: 'head', secretRef: keys }, 'HEAD', 'True'),
      'HEAD',
      false,
    ],
    ['mode unset means HEAD', repo({ secretRef: keys }, 'HEAD', 'True'), 'HEAD', false],
    ['never verified', repo({ mode: 'HEAD', secretRef: keys }), 'HEAD', true],
    [
      'verified as HEAD, now Tag',
      repo({ mode: 'Tag', secretRef: keys }, 'HEAD', 'True'),
      'Tag',
      true,
    ],
    [
      'verified as Tag, now TagAndHEAD',
      repo({ mode: 'TagAndHEAD', secretRef: keys }, 'Tag', 'True'),
      'TagAndHEAD',
      true,
    ],
    [
      'the last verification failed',
      repo({ mode: 'HEAD', secretRef: keys }, 'HEAD', 'False'),
      'HEAD',
      true,
    ],
  ])('%s', (_name, obj, mode, again) => {
    expect(verificationMode(obj)).toBe(mode);
    expect(needsVerification(obj)).toBe(again);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  gitEnv,
  makeGpgKey,
  makeSshSigningKey,
  makeTempDir,
  run,
  startGitServer,
  type GitRepositoryFixture,
  type GitServer,
  type SigningKey,
  type TempDir,
} from '@tide/harness';
import {
  SignatureError,
  signedCommit,
  signedTag,
  tagTarget,
  trustedKeysFromSecret,
  verifySignedPayload,
  type SignatureFailure,
  type TrustedKeys,
} from '../src/index.js';
import type { GitObject } from '../src/pack.js';
import { parseSshSignature } from '../src/verify-ssh.js';

/** The failure a promise rejects with, or 'passed'. */
async function failureOf(promise: Promise<unknown>): Promise<SignatureFailure | 'passed'> {
  try {
    await promise;
    return 'passed';
  } catch (error) {
    if (error instanceof SignatureError) return error.failure;
    throw error;
  }
}

describe('commit and tag signatures made by gpg and ssh-keygen', () => {
  let server: GitServer;
  let repo: GitRepositoryFixture;
  let temp: TempDir;
  const keys: Record<string, SigningKey> = {};

  const raw = async (type: 'commit' | 'tag', oid: string): Promise<GitObject> => ({
    type,
    data: Buffer.from(
      await run('git', ['cat-file', type, oid], { cwd: repo.bareDir, env: gitEnv(temp.path) }),
      'utf8',
    ),
  });
  const trusting = (...names: string[]): Promise<TrustedKeys> =>
    trustedKeysFromSecret(
      Object.fromEntries(names.map((name) => [`${name}.pub`, keys[name]?.publicKey ?? ''])),
      'ns/keys',
    );

  beforeAll(async () => {
    temp = await makeTempDir('verify-lib');
    server = await startGitServer();
    repo = await server.createRepository('signed', { files: { 'a.yaml': 'a: 1\n' } });
    [
      keys.gpg,
      keys.gpgOther,
      keys.ed25519,
      keys.ecdsa,
      keys.rsa,
      keys.sshOther,
      keys.p384,
      keys.p521,
    ] = await Promise.all([
      makeGpgKey('one@tide.invalid'),
      makeGpgKey('two@tide.invalid'),
      makeSshSigningKey('ed25519'),
      makeSshSigningKey('ecdsa'),
      makeSshSigningKey('rsa'),
      makeSshSigningKey('ed25519'),
      makeSshSigningKey('ecdsa', 384),
      makeSshSigningKey('ecdsa', 521),
    ]);
  });

  afterAll(async () => {
    await Promise.all(Object.values(keys).map((key) => key.remove()));
    await server.stop();
    await temp.remove();
  });

  it.each(['gpg', 'ed25519', 'ecdsa', 'p384', 'p521', 'rsa'])(
    'a commit signed with %s verifies and names its key',
    async (name) => {
      const key = keys[name];
      if (key === undefined) throw new Error('no key');
      const sha = await repo.commit({ 'a.yaml': `a: ${name}\n` }, `by ${name}`, {
        sign: key.signing,
      });
      const signed = signedCommit(await raw('commit', sha));
      expect(signed?.format).toBe(name === 'gpg' ? 'openpgp' : 'ssh');
      if (signed === undefined) throw new Error('unsigned');
      const verified = await verifySignedPayload(signed, await trusting(name, 'gpgOther'));
      expect(verified.key).toBe(key.id);
      // The payload is the commit without its gpgsig header: it no longer mentions it.
      expect(signed.payload.toString('utf8')).not.toContain('gpgsig');
      expect(signed.payload.toString('utf8')).toContain(`by ${name}`);
    },
  );

  it.each(['gpg', 'ed25519'])('a %s commit whose payload changed fails', async (name) => {
    const key = keys[name];
    if (key === undefined) throw new Error('no key');
    const sha = await repo.commit({ 'a.yaml': `a: tamper-${name}\n` }, 'original', {
      sign: key.signing,
    });
    const signed = signedCommit(await raw('commit', sha));
    if (signed === undefined) throw new Error('unsigned');
    const tampered = {
      ...signed,
      payload: Buffer.from(signed.payload.toString('utf8').replace('original', 'originaL')),
    };
    expect(await failureOf(verifySignedPayload(tampered, await trusting(name)))).toBe(
      'InvalidSignature',
    );
  });

  it.each([
    ['gpg', 'gpgOther'],
    ['ed25519', 'sshOther'],
    ['ed25519', 'gpgOther'],
    ['gpg', 'sshOther'],
  ])('a commit signed with %s is refused when only %s is trusted', async (signer, trusted) => {
    const key = keys[signer];
    if (key === undefined) throw new Error('no key');
    const sha = await repo.commit({ 'a.yaml': `a: ${signer}-${trusted}\n` }, 'unknown signer', {
      sign: key.signing,
    });
    const signed = signedCommit(await raw('commit', sha));
    if (signed === undefined) throw new Error('unsigned');
    expect(await failureOf(verifySignedPayload(signed, await trusting(trusted)))).toBe(
      'UnknownKey',
    );
  });

  it('an unsigned commit has no signed payload', async () => {
    const sha = await repo.commit({ 'a.yaml': 'a: unsigned\n' }, 'unsigned');
    expect(signedCommit(await raw('commit', sha))).toBeUndefined();
  });

  it.each(['gpg', 'ed25519'])('an annotated tag signed with %s verifies', async (name) => {
    const key = keys[name];
    if (key === undefined) throw new Error('no key');
    const commit = await repo.head();
    await repo.tag(`v-${name}`, { sign: key.signing });
    const oid = (
      await run('git', ['rev-parse', `refs/tags/v-${name}`], {
        cwd: repo.bareDir,
        env: gitEnv(temp.path),
      })
    ).trim();
    const tag = await raw('tag', oid);
    expect(tagTarget(tag)).toEqual({ object: commit, name: `v-${name}` });
    const signed = signedTag(tag);
    if (signed === undefined) throw new Error('unsigned tag');
    expect((await verifySignedPayload(signed, await trusting(name))).key).toBe(key.id);
  });

  it('an SSH signature made for another namespace than "git" is refused', async () => {
    const key = keys.ed25519;
    if (key === undefined) throw new Error('no key');
    const payload = Buffer.from('tree 0000000000000000000000000000000000000000\n\nmsg\n');
    const file = join(temp.path, 'payload');
    await writeFile(file, payload);
    await run('ssh-keygen', [
      '-Y',
      'sign',
      '-n',
      'file',
      '-f',
      key.signing.config['user.signingkey'] ?? '',
      file,
    ]);
    const signature = await run('cat', [`${file}.sig`]);
    const signed = { format: 'ssh' as const, payload, signature };
    expect(await failureOf(verifySignedPayload(signed, await trusting('ed25519')))).toBe(
      'InvalidSignature',
    );
  });

  it.each([
    ['a truncated OpenPGP armor', '-----BEGIN PGP SIGNATURE-----\n\niQ\n'],
    [
      'a huge OpenPGP armor',
      `-----BEGIN PGP SIGNATURE-----\n\n${'A'.repeat(70_000)}\n-----END PGP SIGNATURE-----\n`,
    ],
  ])('%s is Malformed', async (_name, signature) => {
    const signed = { format: 'openpgp' as const, payload: Buffer.from('x'), signature };
    expect(await failureOf(verifySignedPayload(signed, await trusting('gpg')))).toBe('Malformed');
  });

  it('allowed_signers lines are read as trusted SSH keys', async () => {
    const key = keys.ed25519;
    if (key === undefined) throw new Error('no key');
    const trusted = await trustedKeysFromSecret(
      { allowed_signers: `# team\nsigner@tide.invalid namespaces="git" ${key.publicKey}\n` },
      'ns/keys',
    );
    expect(trusted.ssh.map((k) => k.fingerprint)).toEqual([key.id]);
  });
});

describe('hostile and malformed input', () => {
  const sshArmor = (body: Buffer | string): string =>
    `-----BEGIN SSH SIGNATURE-----\n${Buffer.isBuffer(body) ? body.toString('base64') : body}\n-----END SSH SIGNATURE-----\n`;
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };

  it.each([
    ['no armor at all', 'just text'],
    ['an empty body', '-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----'],
    ['characters outside base64', sshArmor('U1NI!!SIG')],
    ['the wrong magic', sshArmor(Buffer.concat([Buffer.from('NOTSIG'), u32(1)]))],
    ['version 2', sshArmor(Buffer.concat([Buffer.from('SSHSIG'), u32(2)]))],
    [
      'a length past the end',
      sshArmor(Buffer.concat([Buffer.from('SSHSIG'), u32(1), u32(0xffffffff)])),
    ],
    ['a huge armored blob', sshArmor(Buffer.alloc(64 * 1024, 1))],
  ])('an SSH signature with %s is Malformed', (_name, armored) => {
    let failure: SignatureFailure | undefined;
    try {
      parseSshSignature(armored);
    } catch (error) {
      failure = error instanceof SignatureError ? error.failure : undefined;
    }
    expect(failure).toBe('Malformed');
  });

  it.each([
    ['a value that is no key', { 'a.asc': 'hello' }],
    ['an empty Secret', {}],
    [
      'a broken OpenPGP block',
      {
        'a.asc': '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n-----END PGP PUBLIC KEY BLOCK-----\n',
      },
    ],
    ['an SSH line with a bad blob', { 'a.pub': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA signer' }],
  ])('a verify Secret with %s is refused', async (_name, data) => {
    expect(await failureOf(trustedKeysFromSecret(data, 'ns/keys'))).toBe('InvalidKey');
  });

  it('a commit with two gpgsig headers is Malformed', () => {
    const data = Buffer.from(
      'tree 0000000000000000000000000000000000000000\ngpgsig a\n b\ngpgsig c\n\nmsg\n',
    );
    expect(() => signedCommit({ type: 'commit', data })).toThrow(SignatureError);
  });
});

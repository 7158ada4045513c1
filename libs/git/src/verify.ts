/**
 * Signature verification of Git objects, as GitRepository `spec.verify` asks for it: the
 * signed payload and signature are cut out of the raw commit (`gpgsig` header) or annotated
 * tag (trailing signature block) the way Git cuts them, then checked against the trusted
 * keys of the verify Secret: armored OpenPGP public keys, or SSH public keys in
 * authorized_keys / allowed_signers lines.
 */
import type { Key } from 'openpgp';
import type { GitObject } from './pack.js';
import { SignatureError } from './verify-errors.js';
import {
  holdsOpenPgpKeys,
  parseOpenPgpKeys,
  pgpArmorBegin,
  verifyOpenPgpSignature,
} from './verify-openpgp.js';
import {
  parseSshPublicKeys,
  sshArmorBegin,
  verifySshSignature,
  type SshPublicKey,
} from './verify-ssh.js';

export { SignatureError, type SignatureFailure } from './verify-errors.js';
export { parseSshSignature, sshFingerprint, type SshPublicKey } from './verify-ssh.js';

/** The keys a verify Secret trusts. */
export interface TrustedKeys {
  readonly openpgp: readonly Key[];
  readonly ssh: readonly SshPublicKey[];
}

/** A signed Git object cut into what was signed and the signature over it. */
export interface SignedPayload {
  readonly format: 'openpgp' | 'ssh' | 'unknown';
  readonly payload: Buffer;
  readonly signature: string;
}

/** Who signed: the format and the key (OpenPGP long key ID, or SSH SHA256 fingerprint). */
export interface VerifiedSignature {
  readonly format: 'openpgp' | 'ssh';
  readonly key: string;
}

/** The prefixes Git recognises as the start of a signature (gpg-interface.c). */
const signaturePrefixes = [
  pgpArmorBegin,
  '-----BEGIN PGP MESSAGE-----',
  sshArmorBegin,
  '-----BEGIN SIGNED MESSAGE-----',
];

/**
 * Reads every entry of the verify Secret. Each value holds OpenPGP armored public keys or
 * SSH public key lines; a value that is neither is refused by name, never skipped, so a
 * broken key cannot turn into a quiet "unknown key".
 */
export async function trustedKeysFromSecret(
  data: Readonly<Record<string, Uint8Array | string>>,
  secretName: string,
): Promise<TrustedKeys> {
  const openpgp: Key[] = [];
  const ssh: SshPublicKey[] = [];
  for (const [entry, value] of Object.entries(data).sort(([a], [b]) => a.localeCompare(b))) {
    const text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
    const where = `secret ${secretName} entry '${entry}'`;
    if (holdsOpenPgpKeys(text)) openpgp.push(...(await parseOpenPgpKeys(text, where)));
    else ssh.push(...parseSshPublicKeys(text, where));
  }
  if (openpgp.length === 0 && ssh.length === 0)
    throw new SignatureError('InvalidKey', `secret ${secretName} holds no public keys`);
  return { openpgp, ssh };
}

/** The payload and signature of a commit, or undefined when it carries no `gpgsig`. */
export function signedCommit(commit: GitObject): SignedPayload | undefined {
  if (commit.type !== 'commit') throw new SignatureError('Malformed', `not a commit object`);
  const data = commit.data;
  const headerEnd = data.indexOf('\n\n');
  const headers = headerEnd < 0 ? data.length : headerEnd + 1;
  const kept: Buffer[] = [];
  const signature: string[] = [];
  let found = 0;
  let inSignature = false;
  let pos = 0;
  while (pos < headers) {
    const eol = data.indexOf(0x0a, pos);
    const next = eol < 0 || eol >= headers ? headers : eol + 1;
    const line = data.subarray(pos, next);
    if (inSignature && line[0] === 0x20) {
      signature.push(line.subarray(1).toString('utf8'));
    } else if (line.subarray(0, 7).toString('latin1') === 'gpgsig ') {
      found++;
      inSignature = true;
      signature.push(line.subarray(7).toString('utf8'));
    } else {
      inSignature = false;
      kept.push(line);
    }
    pos = next;
  }
  if (found === 0) return undefined;
  if (found > 1) throw new SignatureError('Malformed', 'commit has more than one gpgsig header');
  kept.push(data.subarray(headers));
  const text = signature.join('');
  return { format: formatOf(text), payload: Buffer.concat(kept), signature: text };
}

/** The payload and signature of an annotated tag, or undefined when it is not signed. */
export function signedTag(tag: GitObject): SignedPayload | undefined {
  if (tag.type !== 'tag') throw new SignatureError('Malformed', `not a tag object`);
  const data = tag.data;
  // As Git's parse_signed_buffer: the last line that starts a signature begins it.
  let start = -1;
  for (let pos = 0; pos < data.length;) {
    const eol = data.indexOf(0x0a, pos);
    const line = data.toString('latin1', pos, Math.min(pos + 40, data.length));
    if (signaturePrefixes.some((prefix) => line.startsWith(prefix))) start = pos;
    pos = eol < 0 ? data.length : eol + 1;
  }
  if (start < 0) return undefined;
  const text = data.subarray(start).toString('utf8');
  return { format: formatOf(text), payload: data.subarray(0, start), signature: text };
}

/** The `object` and `tag` headers of an annotated tag. */
export function tagTarget(tag: GitObject): { object: string; name: string } {
  const text = tag.data.toString('utf8', 0, Math.min(tag.data.length, 4096));
  const object = /^object ([0-9a-f]{40})$/m.exec(text)?.[1];
  const name = /^tag (.+)$/m.exec(text)?.[1];
  if (object === undefined || name === undefined)
    throw new SignatureError('Malformed', 'tag object has no object or tag header');
  return { object, name };
}

function formatOf(signature: string): SignedPayload['format'] {
  const head = signature.trimStart();
  if (head.startsWith(pgpArmorBegin)) return 'openpgp';
  if (head.startsWith(sshArmorBegin)) return 'ssh';
  return 'unknown';
}

/** Verifies a signed payload against the trusted keys; throws a SignatureError when not. */
export async function verifySignedPayload(
  signed: SignedPayload,
  keys: TrustedKeys,
): Promise<VerifiedSignature> {
  if (signed.format === 'openpgp') {
    if (keys.openpgp.length === 0)
      throw new SignatureError('UnknownKey', 'signed with OpenPGP, but no OpenPGP key is trusted');
    return {
      format: 'openpgp',
      key: await verifyOpenPgpSignature(signed.signature, signed.payload, keys.openpgp),
    };
  }
  if (signed.format === 'ssh') {
    if (keys.ssh.length === 0)
      throw new SignatureError('UnknownKey', 'signed with SSH, but no SSH key is trusted');
    return { format: 'ssh', key: verifySshSignature(signed.signature, signed.payload, keys.ssh) };
  }
  throw new SignatureError(
    'InvalidSignature',
    'the signature is neither OpenPGP nor SSH (X.509 signatures are not supported)',
  );
}

/**
 * SSH signatures as `ssh-keygen -Y sign` writes them (OpenSSH PROTOCOL.sshsig) and as Git
 * stores them with `gpg.format ssh`: an armored SSHSIG blob over the hash of the payload in
 * the namespace "git". Parsed and verified with node:crypto only, for ed25519,
 * ecdsa-sha2-nistp256/384/521 and RSA with rsa-sha2-256/512 signatures.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { SignatureError } from './verify-errors.js';

export const sshArmorBegin = '-----BEGIN SSH SIGNATURE-----';
const sshArmorEnd = '-----END SSH SIGNATURE-----';
/** Git signs with this namespace; a signature made for another purpose must not pass. */
const gitNamespace = 'git';
/** An SSHSIG of the largest RSA key is under 2 KiB; anything far larger is not one. */
const maxArmorBytes = 16 * 1024;
const minRsaBits = 2048;

/** A trusted SSH public key: its wire blob and the fingerprint `ssh-keygen -l` prints. */
export interface SshPublicKey {
  readonly type: string;
  readonly blob: Buffer;
  readonly fingerprint: string;
}

/** The fields of an SSHSIG blob. */
export interface SshSignature {
  readonly publicKey: Buffer;
  readonly namespace: string;
  readonly hashAlgorithm: 'sha256' | 'sha512';
  readonly signature: Buffer;
}

const keyTypes = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
]);

/** SHA256 fingerprint of a key blob, unpadded base64, as OpenSSH prints it. */
export function sshFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * The public keys in `text`: authorized_keys lines (optionally with options in front) or
 * allowed_signers lines (a principal first). Blank lines and `#` comments are skipped; any
 * other line that holds no key is an error, so a typo cannot silently drop a key.
 */
export function parseSshPublicKeys(text: string, where: string): SshPublicKey[] {
  const keys: SshPublicKey[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const key = keyInLine(line);
    if (key === undefined)
      throw new SignatureError(
        'InvalidKey',
        `${where}: line ${index + 1} is not an SSH public key`,
      );
    keys.push(key);
  });
  return keys;
}

function keyInLine(line: string): SshPublicKey | undefined {
  const tokens = line.split(/\s+/);
  for (let i = 0; i + 1 < tokens.length; i++) {
    const type = tokens[i] ?? '';
    if (!keyTypes.has(type)) continue;
    const blob = strictBase64(tokens[i + 1] ?? '');
    if (blob === undefined) return undefined;
    try {
      if (new SshReader(blob).string().toString('latin1') !== type) return undefined;
      publicKeyObject(blob);
    } catch {
      return undefined;
    }
    return { type, blob, fingerprint: sshFingerprint(blob) };
  }
  return undefined;
}

/** Reads the armored SSHSIG block Git stored; refuses anything malformed before parsing it. */
export function parseSshSignature(armored: string): SshSignature {
  if (armored.length > maxArmorBytes)
    throw new SignatureError('Malformed', `SSH signature is larger than ${maxArmorBytes} bytes`);
  const lines = armored.trim().split(/\r?\n/);
  if (lines[0] !== sshArmorBegin || lines[lines.length - 1] !== sshArmorEnd)
    throw new SignatureError('Malformed', 'SSH signature armor is not BEGIN/END SSH SIGNATURE');
  const bytes = strictBase64(lines.slice(1, -1).join(''));
  if (bytes === undefined)
    throw new SignatureError('Malformed', 'SSH signature armor is not valid base64');
  try {
    const reader = new SshReader(bytes);
    if (reader.raw(6).toString('latin1') !== 'SSHSIG')
      throw new SignatureError('Malformed', 'SSH signature does not start with SSHSIG');
    const version = reader.uint32();
    if (version !== 1)
      throw new SignatureError('Malformed', `SSH signature version ${version} is not 1`);
    const publicKey = reader.string();
    const namespace = reader.string().toString('utf8');
    reader.string(); // reserved
    const hash = reader.string().toString('latin1');
    const signature = reader.string();
    reader.end();
    if (hash !== 'sha256' && hash !== 'sha512')
      throw new SignatureError('Malformed', `SSH signature hash ${hash} is not sha256 or sha512`);
    return { publicKey, namespace, hashAlgorithm: hash, signature };
  } catch (error) {
    if (error instanceof SignatureError) throw error;
    throw new SignatureError('Malformed', `SSH signature is truncated or malformed`, {
      cause: error,
    });
  }
}

/**
 * Verifies `armored` over `payload` against the trusted keys: the signature's own key must
 * be one of them (byte for byte), its namespace must be "git", and the cryptographic check
 * must pass. Returns the fingerprint of the key that signed.
 */
export function verifySshSignature(
  armored: string,
  payload: Buffer,
  trusted: readonly SshPublicKey[],
): string {
  const parsed = parseSshSignature(armored);
  if (parsed.namespace !== gitNamespace) {
    throw new SignatureError(
      'InvalidSignature',
      `SSH signature namespace is ${JSON.stringify(parsed.namespace)}, not "git"`,
    );
  }
  const key = trusted.find((k) => k.blob.equals(parsed.publicKey));
  if (key === undefined) {
    throw new SignatureError(
      'UnknownKey',
      `signed by SSH key ${sshFingerprint(parsed.publicKey)}, which is not among the trusted keys`,
    );
  }
  let valid: boolean;
  try {
    valid = checkSignature(key, signedData(parsed, payload), parsed.signature);
  } catch (error) {
    if (error instanceof SignatureError) throw error;
    throw new SignatureError('Malformed', 'SSH signature blob is malformed', { cause: error });
  }
  if (!valid)
    throw new SignatureError('InvalidSignature', `SSH signature by ${key.fingerprint} is invalid`);
  return key.fingerprint;
}

/** What the SSHSIG signature covers: the preamble, namespace, hash name and message hash. */
function signedData(sig: SshSignature, payload: Buffer): Buffer {
  const digest = createHash(sig.hashAlgorithm).update(payload).digest();
  return Buffer.concat([
    Buffer.from('SSHSIG'),
    sshString(Buffer.from(sig.namespace, 'utf8')),
    sshString(Buffer.alloc(0)),
    sshString(Buffer.from(sig.hashAlgorithm)),
    sshString(digest),
  ]);
}

function checkSignature(key: SshPublicKey, data: Buffer, signatureBlob: Buffer): boolean {
  const reader = new SshReader(signatureBlob);
  const format = reader.string().toString('latin1');
  const bytes = reader.string();
  reader.end();
  const publicKey = publicKeyObject(key.blob);
  if (key.type === 'ssh-ed25519') {
    return format === 'ssh-ed25519' && verify(null, data, publicKey, bytes);
  }
  if (key.type.startsWith('ecdsa-sha2-')) {
    if (format !== key.type) return false;
    const { hash, size } = ecdsaParams(key.type);
    const ecdsa = new SshReader(bytes);
    const r = unsignedFixed(ecdsa.string(), size);
    const s = unsignedFixed(ecdsa.string(), size);
    ecdsa.end();
    if (r === undefined || s === undefined) return false;
    return verify(hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.concat([r, s]));
  }
  // ssh-rsa keys sign SSHSIG with SHA-2 only; the SHA-1 "ssh-rsa" signature is refused.
  if (format === 'rsa-sha2-256') return verify('sha256', data, publicKey, bytes);
  if (format === 'rsa-sha2-512') return verify('sha512', data, publicKey, bytes);
  throw new SignatureError('InvalidSignature', `SSH signature format ${format} is not accepted`);
}

function ecdsaParams(type: string): { hash: string; size: number; curve: string } {
  if (type === 'ecdsa-sha2-nistp256') return { hash: 'sha256', size: 32, curve: 'P-256' };
  if (type === 'ecdsa-sha2-nistp384') return { hash: 'sha384', size: 48, curve: 'P-384' };
  return { hash: 'sha512', size: 66, curve: 'P-521' };
}

/** A node:crypto key from an SSH public key blob; throws when the blob is not a valid key. */
function publicKeyObject(blob: Buffer): KeyObject {
  const reader = new SshReader(blob);
  const type = reader.string().toString('latin1');
  if (type === 'ssh-ed25519') {
    const x = reader.string();
    reader.end();
    if (x.length !== 32) throw new Error('ed25519 key is not 32 bytes');
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(x) }, format: 'jwk' });
  }
  if (type.startsWith('ecdsa-sha2-')) {
    const { size, curve } = ecdsaParams(type);
    const name = reader.string().toString('latin1');
    const point = reader.string();
    reader.end();
    if (name !== type.slice('ecdsa-sha2-'.length)) throw new Error('ecdsa curve mismatch');
    if (point.length !== 1 + 2 * size || point[0] !== 4) throw new Error('bad ecdsa point');
    const x = point.subarray(1, 1 + size);
    const y = point.subarray(1 + size);
    return createPublicKey({
      key: { kty: 'EC', crv: curve, x: b64url(x), y: b64url(y) },
      format: 'jwk',
    });
  }
  if (type === 'ssh-rsa') {
    const e = stripLeadingZeros(reader.string());
    const n = stripLeadingZeros(reader.string());
    reader.end();
    if (n.length * 8 < minRsaBits) throw new Error(`RSA key shorter than ${minRsaBits} bits`);
    return createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(e) }, format: 'jwk' });
  }
  throw new Error(`unsupported key type ${type}`);
}

/** An mpint as exactly `size` unsigned big-endian bytes, or undefined when it does not fit. */
function unsignedFixed(mpint: Buffer, size: number): Buffer | undefined {
  const value = stripLeadingZeros(mpint);
  if (value.length > size) return undefined;
  return Buffer.concat([Buffer.alloc(size - value.length), value]);
}

function stripLeadingZeros(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

function b64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

/** Base64 that decodes back to itself: Node's lenient decoder would skip junk silently. */
function strictBase64(text: string): Buffer | undefined {
  if (text === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 === 1)
    return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64').replace(/=+$/, '') === text.replace(/=+$/, '')
    ? bytes
    : undefined;
}

function sshString(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** The SSH wire format: uint32 and length-prefixed strings, bounds-checked. */
class SshReader {
  private pos = 0;
  constructor(private readonly bytes: Buffer) {}

  raw(length: number): Buffer {
    if (this.pos + length > this.bytes.length) throw new RangeError('SSH data truncated');
    const out = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  uint32(): number {
    return this.raw(4).readUInt32BE(0);
  }

  string(): Buffer {
    return this.raw(this.uint32());
  }

  end(): void {
    if (this.pos !== this.bytes.length) throw new RangeError('trailing bytes in SSH data');
  }
}

/**
 * OpenPGP signatures (`gpg.format openpgp`, Git's default) checked with openpgp.js against
 * armored public keys, as Flux reads them: the key that signed is named by the long key ID
 * of its primary key, upper-case hex.
 */
import { createMessage, readKeys, readSignature, verify, type Key } from 'openpgp';
import { SignatureError } from './verify-errors.js';

export const pgpArmorBegin = '-----BEGIN PGP SIGNATURE-----';
const pgpKeyArmor = '-----BEGIN PGP PUBLIC KEY BLOCK-----';
/** A detached signature is a few hundred bytes; refuse inputs that are clearly not one. */
const maxSignatureBytes = 64 * 1024;

/** Whether a Secret value holds armored OpenPGP public keys. */
export function holdsOpenPgpKeys(text: string): boolean {
  return text.includes(pgpKeyArmor);
}

/** Reads every armored public key in `text` (one entry of the Secret). */
export async function parseOpenPgpKeys(text: string, where: string): Promise<Key[]> {
  try {
    return await readKeys({ armoredKeys: text });
  } catch (error) {
    throw new SignatureError(
      'InvalidKey',
      `${where}: not a readable armored OpenPGP public key: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Upper-case long key ID of a key's primary key (`3CB12BA185C47B67`). */
export function primaryKeyId(key: Key): string {
  return key.getKeyID().toHex().toUpperCase();
}

/**
 * Verifies the armored detached signature over `payload`; returns the long key ID of the
 * trusted primary key that signed it.
 */
export async function verifyOpenPgpSignature(
  armored: string,
  payload: Buffer,
  trusted: readonly Key[],
): Promise<string> {
  if (armored.length > maxSignatureBytes) {
    throw new SignatureError(
      'Malformed',
      `OpenPGP signature is larger than ${maxSignatureBytes} bytes`,
    );
  }
  let signature;
  try {
    signature = await readSignature({ armoredSignature: armored });
  } catch (error) {
    throw new SignatureError(
      'Malformed',
      `OpenPGP signature is unreadable: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const issuers = signature.getSigningKeyIDs();
  const signer = trusted.find((key) => issuers.some((id) => key.getKeys(id).length > 0));
  if (signer === undefined) {
    const ids = issuers.map((id) => id.toHex().toUpperCase()).join(', ') || 'no key ID';
    throw new SignatureError(
      'UnknownKey',
      `signed by OpenPGP key ${ids}, which is not among the trusted keys`,
    );
  }
  const message = await createMessage({ binary: payload });
  try {
    const result = await verify({ message, signature, verificationKeys: [signer] });
    const [first] = result.signatures;
    if (first === undefined) throw new Error('no signature packet');
    await first.verified;
  } catch (error) {
    throw new SignatureError(
      'InvalidSignature',
      `OpenPGP signature by key ${primaryKeyId(signer)} is invalid: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return primaryKeyId(signer);
}

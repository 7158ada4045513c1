/** Why a signature did not verify, so a controller can word its condition the way Flux does. */
export type SignatureFailure =
  /** The object carries no signature at all. */
  | 'Unsigned'
  /** The signature or object cannot be parsed (bad armor, truncated, too large). */
  | 'Malformed'
  /** The signer is not among the trusted keys. */
  | 'UnknownKey'
  /** A trusted key, but the signature does not match the payload (or a refused algorithm). */
  | 'InvalidSignature'
  /** A trusted key in the Secret cannot be read. */
  | 'InvalidKey';

export class SignatureError extends Error {
  override readonly name = 'SignatureError';
  constructor(
    readonly failure: SignatureFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

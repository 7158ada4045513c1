/** Why a registry operation failed; each reason is a condition message a person can act on. */
export type RegistryErrorReason =
  | 'InvalidReference'
  | 'Unauthorized'
  | 'NotFound'
  | 'RateLimited'
  | 'Timeout'
  | 'TooLarge'
  | 'Unreachable'
  | 'ServerError'
  | 'InvalidResponse';

/** A registry failure. Messages name the image and the registry, never credentials or tokens. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    readonly reason: RegistryErrorReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * A Kustomization whose spec cannot work as written (a bad drift-ignore rule, a CEL
 * expression that does not compile): retrying cannot help until the object changes. The
 * reason is the Flux condition reason to report; the message names the field.
 */
export class InvalidSpecError extends Error {
  override readonly name = 'InvalidSpecError';
  constructor(
    readonly reason: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

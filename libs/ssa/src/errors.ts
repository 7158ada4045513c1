/** Errors of the apply manager's own; API answers are @tide/kube's ApiError. */

/** An immutable field stood in the way and the object may not be recreated. */
export class ImmutableFieldError extends Error {
  override readonly name = 'ImmutableFieldError';
  constructor(
    readonly subject: string,
    readonly fields: readonly string[],
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The object's apiVersion/kind is not served by the cluster, even after a fresh discovery. */
export class UnknownKindError extends Error {
  override readonly name = 'UnknownKindError';
}

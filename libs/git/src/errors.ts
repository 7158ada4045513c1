/** Why a Git operation failed, as a condition reason a person can act on. */
export type GitErrorReason =
  | 'AuthenticationFailed'
  | 'NotFound'
  | 'Unreachable'
  | 'Timeout'
  | 'TooLarge'
  | 'Unsupported'
  | 'InvalidReference'
  | 'OperationFailed';

export class GitError extends Error {
  override readonly name = 'GitError';
  constructor(
    readonly reason: GitErrorReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The one redaction of URLs every Tide library and controller uses (from @tide/artifact). */
export { redactUrl } from '@tide/artifact';

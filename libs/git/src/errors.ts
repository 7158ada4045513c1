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

/** The URL with any user info removed, safe for logs, events and status. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

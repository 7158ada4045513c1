import { ConditionReason } from '@tide/api';
import { redactUrlsIn } from '@tide/artifact';
import { GitError } from '@tide/git';
import { GenericError, StallingError, type ReconcileError } from '@tide/runtime';

/**
 * What a Git failure means for the GitRepository: a spec that can never work stalls; a
 * network, auth or remote problem is retried with backoff. The message names the URL,
 * never credentials (GitError guarantees it).
 */
export function gitFailure(error: unknown, what: string): ReconcileError {
  if (!(error instanceof GitError)) {
    // Not worded by @tide/git: any URL in it may still carry user info.
    const message = redactUrlsIn(error instanceof Error ? error.message : String(error));
    return new GenericError(ConditionReason.GitOperationFailed, `${what}: ${message}`, {
      cause: error,
    });
  }
  switch (error.reason) {
    case 'Unsupported':
    case 'InvalidReference':
      return new StallingError(ConditionReason.InvalidSourceConfig, `${what}: ${error.message}`, {
        cause: error,
      });
    default:
      return new GenericError(ConditionReason.GitOperationFailed, `${what}: ${error.message}`, {
        cause: error,
      });
  }
}

/**
 * How `tide build` and `tide diff` fail: a CommandError says what was wrong with the input
 * and what to do; any error is printed on stderr as `Error: ...` with the command's exit code.
 */
import { messageOf } from '@tide/kube';

/** A wrong flag, a missing file or object: the message names it and says what to do. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

/** Prints the error on stderr and sets the exit code; the process then ends on its own. */
export function reportFailure(error: unknown, exitCode: number): void {
  const message = messageOf(error);
  process.stderr.write(`Error: ${message}\n`);
  process.exitCode = exitCode;
}

import type { Logger } from 'pino';
import { messageOf } from '@tide/kube';

/**
 * What a controller's main does about failures nothing else handled, and how it ends. A
 * promise rejected with no handler, or an exception thrown from a callback, leaves the process
 * in an unknown state: it is logged as one structured line (so the cause is in the pod's log,
 * not only in Node's stderr dump) and the process exits on purpose with `ExitCode.Crashed`,
 * for the kubelet to restart it. A normal end goes through `exitProcess`, which exits even
 * when some handle (a socket, a timer) would keep the event loop alive: a replica that lost
 * the leader Lease must stop, not linger.
 */

export const ExitCode = {
  /** Stopped on a signal, after in-flight work finished. */
  Ok: 0,
  /** Start-up failed, or the leader Lease was lost. */
  Failed: 1,
  /** An unhandled rejection or uncaught exception (EX_SOFTWARE). */
  Crashed: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface ProcessGuardOptions {
  /** Ends the process; `process.exit` when omitted. */
  readonly exit?: (code: number) => void;
}

/**
 * Installs the process-level `unhandledRejection` and `uncaughtException` handlers (log,
 * then exit with `ExitCode.Crashed`); returns a function that removes them again.
 */
export function guardProcess(logger: Logger, options: ProcessGuardOptions = {}): () => void {
  const exit = options.exit ?? exitNow;
  const onRejection = (reason: unknown): void => {
    logThenExit(
      () => {
        logger.error(
          { err: reason, event: 'unhandledRejection', exitCode: ExitCode.Crashed },
          `unhandled promise rejection, exiting: ${messageOf(reason)}`,
        );
      },
      () => {
        exit(ExitCode.Crashed);
      },
    );
  };
  const onException = (error: Error, origin: NodeJS.UncaughtExceptionOrigin): void => {
    logThenExit(
      () => {
        logger.error(
          { err: error, event: origin, exitCode: ExitCode.Crashed },
          `uncaught exception, exiting: ${messageOf(error)}`,
        );
      },
      () => {
        exit(ExitCode.Crashed);
      },
    );
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}

/** A logger that throws (a closed destination) must not keep the process from exiting. */
function logThenExit(log: () => void, exit: () => void): void {
  try {
    log();
  } finally {
    exit();
  }
}

export interface ExitOptions {
  readonly logger: Logger;
  /** Closes what the main opened besides the manager (the artifact server, caches). */
  readonly cleanup?: () => Promise<void>;
  /** How long cleanup may take before the process exits anyway; 10s when omitted. */
  readonly cleanupTimeoutMs?: number;
  /** Ends the process; `process.exit` when omitted. */
  readonly exit?: (code: number) => void;
}

export const defaultCleanupTimeoutMs = 10_000;

/** Runs the cleanup (bounded), logs how the run ended, and exits with `code`. */
export async function exitProcess(code: number, options: ExitOptions): Promise<void> {
  const { logger } = options;
  const timeoutMs = options.cleanupTimeoutMs ?? defaultCleanupTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => {
      resolve('expired');
    }, timeoutMs);
  });
  try {
    const cleanup = options.cleanup ?? (() => Promise.resolve());
    const outcome = await Promise.race([cleanup().then(() => 'done' as const), expired]);
    if (outcome === 'expired')
      logger.error({ timeoutMs }, `cleanup did not finish within ${timeoutMs}ms, exiting anyway`);
  } catch (error) {
    logger.error({ err: error }, `cleanup failed: ${messageOf(error)}`);
  } finally {
    clearTimeout(timer);
  }
  logThenExit(
    () => {
      logger.info({ exitCode: code }, 'exiting');
    },
    () => {
      (options.exit ?? exitNow)(code);
    },
  );
}

function exitNow(code: number): never {
  process.exit(code);
}

import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * JSON-lines logs: `level` as a word, `ts` as RFC 3339, `msg`; reconcile lines add
 * `controller`, `kind`, `name`, `namespace` and `reconcileID` through child loggers.
 */

export const LogLevel = {
  Trace: 'trace',
  Debug: 'debug',
  Info: 'info',
  Error: 'error',
} as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

export function isLogLevel(value: string): value is LogLevel {
  return (Object.values(LogLevel) as string[]).includes(value);
}

export interface LoggerOptions {
  readonly level?: LogLevel | 'silent' | 'warn';
  /** Where lines go; stderr when omitted (stdout stays free for a program's output). */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? LogLevel.Info,
      messageKey: 'msg',
      base: null,
      timestamp: () => `,"ts":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
    },
    options.destination ?? pino.destination({ dest: 2, sync: true }),
  );
}

export type { Logger };

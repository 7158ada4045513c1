import { execFile } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { repoRoot } from '@tide/harness';
import { ExitCode } from '@tide/runtime';

/**
 * The process-level failure handlers, in a real Node process: a tiny ESM program imports the
 * compiled @tide/runtime (as a controller's main does; `npm test` builds first), installs
 * the handlers and then fails the way a forgotten promise or a throwing callback does.
 */

interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The JSON log lines the child wrote to stderr. */
  readonly lines: readonly Record<string, unknown>[];
  readonly stderr: string;
  readonly elapsedMs: number;
}

function runChild(program: string): Promise<ChildResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '--eval', program],
      { cwd: repoRoot(), timeout: 20_000 },
      (error, _stdout, stderr) => {
        const lines = stderr
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : null,
          signal: error?.signal ?? null,
          lines,
          stderr,
          elapsedMs: Date.now() - started,
        });
      },
    );
  });
}

/** The child keeps a timer alive, so only an exit on purpose ends it before the timeout. */
const prelude = `
import { createLogger, exitProcess, guardProcess } from '@tide/runtime';
const logger = createLogger();
guardProcess(logger);
setInterval(() => {}, 1000);
`;

describe('process failure handlers', () => {
  it('logs an unhandled rejection as one JSON line and exits with ExitCode.Crashed', async () => {
    const result = await runChild(
      `${prelude}
Promise.reject(new Error('lost promise from the test'));`,
    );
    expect({ code: result.code, signal: result.signal }).toEqual({
      code: ExitCode.Crashed,
      signal: null,
    });
    expect(result.lines).toHaveLength(1);
    const [line] = result.lines;
    expect(line).toMatchObject({
      level: 'error',
      event: 'unhandledRejection',
      exitCode: ExitCode.Crashed,
      msg: 'unhandled promise rejection, exiting: lost promise from the test',
      err: { type: 'Error', message: 'lost promise from the test' },
    });
    expect(String((line?.err as { stack?: unknown }).stack)).toContain(
      'lost promise from the test',
    );
  });

  it('logs an uncaught exception from a callback and exits with ExitCode.Crashed', async () => {
    const result = await runChild(
      `${prelude}
setTimeout(() => { throw new TypeError('thrown from a timer'); }, 10);`,
    );
    expect(result.code).toBe(ExitCode.Crashed);
    expect(result.lines).toEqual([
      expect.objectContaining({
        level: 'error',
        event: 'uncaughtException',
        msg: 'uncaught exception, exiting: thrown from a timer',
        err: expect.objectContaining({ type: 'TypeError', message: 'thrown from a timer' }),
      }),
    ]);
  });

  it('a rejection with a non-Error reason is logged too', async () => {
    const result = await runChild(
      `${prelude}
Promise.reject('plain string reason');`,
    );
    expect(result.code).toBe(ExitCode.Crashed);
    expect(result.lines[0]).toMatchObject({
      event: 'unhandledRejection',
      msg: 'unhandled promise rejection, exiting: plain string reason',
    });
  });

  it('exitProcess ends a process with open handles once its cleanup times out', async () => {
    const result = await runChild(
      `${prelude}
await exitProcess(1, { logger, cleanup: () => new Promise(() => {}), cleanupTimeoutMs: 300 });`,
    );
    expect(result.code).toBe(1);
    expect(result.lines.map((line) => line.msg)).toEqual([
      'cleanup did not finish within 300ms, exiting anyway',
      'exiting',
    ]);
    expect(result.lines[1]).toMatchObject({ level: 'info', exitCode: 1 });
    expect(result.elapsedMs).toBeLessThan(10_000);
  });

  it('exitProcess logs a failing cleanup and still exits with the code asked for', async () => {
    const result = await runChild(
      `${prelude}
await exitProcess(0, { logger, cleanup: () => Promise.reject(new Error('close failed')) });`,
    );
    expect(result.code).toBe(0);
    expect(result.lines.map((line) => line.msg)).toEqual([
      'cleanup failed: close failed',
      'exiting',
    ]);
  });
});

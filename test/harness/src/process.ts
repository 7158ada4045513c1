import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessSpec {
  /** Short name used in errors, e.g. `etcd`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** stdout and stderr of the process go to this file. */
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** True until the process has exited. */
  running(): boolean;
  /** The last lines of the process log, for error messages. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** Sends `signal` (SIGKILL: a crash, no clean-up) and resolves once the process is gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

const setpriv = '/usr/bin/setpriv';

/**
 * Starts a long-running server process. Where util-linux's setpriv exists, the child gets
 * a parent-death signal, so a test runner killed mid-run does not leave servers behind.
 */
export function startProcess(spec: ProcessSpec): ManagedProcess {
  const log = openSync(spec.logFile, 'a');
  const [command, args] = existsSync(setpriv)
    ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', spec.command, ...spec.args]]
    : [spec.command, [...spec.args]];
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      stdio: ['ignore', log, log],
      env: spec.env ?? process.env,
      cwd: spec.cwd,
    });
  } finally {
    closeSync(log);
  }
  let exited = child.exitCode !== null;
  const exit = once(child, 'exit').then(() => {
    exited = true;
  });
  child.on('error', () => {
    exited = true;
  });
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`${spec.name}: could not start ${spec.command}`);
  }
  return {
    name: spec.name,
    pid,
    running: () => !exited,
    logTail: (lines = 20) => tailOf(spec.logFile, lines),
    async kill(signal) {
      if (exited) return;
      child.kill(signal);
      await exit;
    },
    async stop(graceMs = 5000) {
      if (exited) return;
      child.kill('SIGTERM');
      const stopped = await Promise.race([
        exit.then(() => true),
        sleep(graceMs, undefined, { ref: false }).then(() => false),
      ]);
      if (!stopped) {
        child.kill('SIGKILL');
        await exit;
      }
    },
  };
}

function tailOf(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Runs a command to completion and returns its stdout; throws with stderr on failure. */
export async function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string | Buffer } = {},
): Promise<string> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  if (options.input !== undefined) {
    // A command may exit without reading its input; that is its answer, not a harness error.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
  }
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  if (code !== 0) {
    const why = signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
    // Some tools (helm lint) explain a failure on stdout: keep both.
    const message = [Buffer.concat(stderr), Buffer.concat(stdout).subarray(-4000)]
      .map((b) => b.toString('utf8').trim())
      .filter((t) => t !== '')
      .join('\n');
    throw new Error(`${command} ${args.join(' ')} failed (${why}): ${message}`);
  }
  return Buffer.concat(stdout).toString('utf8');
}

import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** One benchmark: a name and a run that returns the lines it reports. */
export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(): Promise<readonly string[]>;
}

/** Wall time of a whole process, in milliseconds. */
export async function timeProcess(command: string, args: readonly string[]): Promise<number> {
  const started = process.hrtime.bigint();
  const child = spawn(command, args, { stdio: 'ignore' });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${String(code)}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? Number.NaN) + upper) / 2;
}

/**
 * Runs two commands alternately `rounds` times (so machine noise hits both alike) and
 * returns the median wall time of each.
 */
export async function compareProcesses(
  ours: { command: string; args: readonly string[] },
  theirs: { command: string; args: readonly string[] },
  rounds: number,
): Promise<{ ours: number; theirs: number; ratio: number }> {
  const oursMs: number[] = [];
  const theirsMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    oursMs.push(await timeProcess(ours.command, ours.args));
    theirsMs.push(await timeProcess(theirs.command, theirs.args));
  }
  const a = median(oursMs);
  const b = median(theirsMs);
  return { ours: a, theirs: b, ratio: a / b };
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

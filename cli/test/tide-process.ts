// Runs the installed `tide` bin and keeps its exit code, stdout and stderr apart: `tide diff`
// answers with exit code 1 when it finds changes, which is not a failure of the test.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { repoRoot } from '@tide/harness';
import { parseDocuments, type Value } from '@tide/kustomize';

export interface TideRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runTide(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<TideRun> {
  const child = spawn(join(repoRoot(), 'node_modules', '.bin', 'tide'), args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  return {
    code,
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
  };
}

/** The documents of a YAML stream as plain JSON (integers as numbers). */
export function yamlObjects(text: string): unknown[] {
  return parseDocuments(text, 'tide output').map(toJson);
}

function toJson(value: Value): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toJson(item)]));
  return value;
}

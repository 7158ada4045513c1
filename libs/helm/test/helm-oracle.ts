import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { oracles } from '@tide/harness';

/** Writes a chart (or any tree) of text files under `root`. */
export async function writeTree(
  root: string,
  files: Readonly<Record<string, string | Buffer>>,
): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

export interface HelmRun {
  readonly ok: boolean;
  readonly stdout: string;
  /** The message after helm's `Error: `, when it failed. */
  readonly error: string;
}

/** Runs the real helm 4 with its homes inside `home`, never failing the promise. */
export async function helm(home: string, args: readonly string[]): Promise<HelmRun> {
  const binary = (await oracles()).helm;
  const env = {
    ...process.env,
    HELM_CACHE_HOME: join(home, 'hc'),
    HELM_CONFIG_HOME: join(home, 'hf'),
    HELM_DATA_HOME: join(home, 'hd'),
  };
  return new Promise((resolve) => {
    execFile(binary, [...args], { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const message = (/Error: ([\s\S]*)$/.exec(stderr)?.[1] ?? stderr).replace(
        /\n+Use --debug flag to render out invalid YAML\s*$/,
        '',
      );
      resolve({ ok: error === null, stdout, error: error === null ? '' : message.trim() });
    });
  });
}

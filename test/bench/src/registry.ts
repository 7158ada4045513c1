import type { Benchmark } from './measure.js';
import { cliStartup } from './benchmarks/cli-startup.js';
import { gitRepositoryArtifact } from './benchmarks/gitrepository.js';
import { kustomizeBuild } from './benchmarks/kustomize.js';
import { kustomizationScale } from './benchmarks/kustomizations.js';
import { runtimeReconcile } from './benchmarks/runtime.js';

/** Every benchmark `make bench` runs, in order. */
export const benchmarks: readonly Benchmark[] = [
  cliStartup,
  runtimeReconcile,
  gitRepositoryArtifact,
  kustomizeBuild,
  kustomizationScale,
];

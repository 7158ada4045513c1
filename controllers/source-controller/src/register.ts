import type { Storage } from '@tide/artifact';
import type { Manager } from '@tide/runtime';
import { getHeapStatistics } from 'node:v8';
import { memoryBudgetWarning, type SourceControllerOptions } from './flags.js';
import { GitRepositoryReconciler } from './gitrepository-reconciler.js';
import { HelmChartReconciler } from './helmchart-reconciler.js';
import { HelmRepositoryReconciler } from './helmrepository-reconciler.js';

/** Registers every source reconciler on a manager (main.ts and the tests share this). */
export function registerSourceReconcilers(
  manager: Manager,
  {
    storage,
    options,
  }: {
    storage: Storage;
    options: Pick<
      SourceControllerOptions,
      'gitRepositoryMaxSize' | 'helmIndexMaxSize' | 'helmChartMaxSize'
    >;
  },
): Manager {
  const warning = memoryBudgetWarning(
    options,
    manager.options.concurrent,
    getHeapStatistics().heap_size_limit,
  );
  if (warning !== undefined) manager.logger.warn(warning);
  return manager
    .register(
      new GitRepositoryReconciler({ storage, maxRepositorySize: options.gitRepositoryMaxSize }),
    )
    .register(new HelmRepositoryReconciler({ storage, maxIndexSize: options.helmIndexMaxSize }))
    .register(
      new HelmChartReconciler({
        storage,
        maxChartSize: options.helmChartMaxSize,
        requeueDependencyMs: manager.options.requeueDependencyMs,
      }),
    );
}

import type { Storage } from '@tide/artifact';
import type { Manager } from '@tide/runtime';
import type { SourceControllerOptions } from './flags.js';
import { GitRepositoryReconciler } from './gitrepository-reconciler.js';

/** Registers every source reconciler on a manager (main.ts and the tests share this). */
export function registerSourceReconcilers(
  manager: Manager,
  {
    storage,
    options,
  }: { storage: Storage; options: Pick<SourceControllerOptions, 'gitRepositoryMaxSize'> },
): Manager {
  return manager.register(
    new GitRepositoryReconciler({ storage, maxRepositorySize: options.gitRepositoryMaxSize }),
  );
}

import { startControllerEnvironment, type ControllerEnvironment } from '@tide/test-support';
import { registerSourceReconcilers } from '../src/index.js';

/**
 * source-controller in-process on the shared control plane, scoped to one namespace, storing
 * artifacts in the environment's storage and serving them from its artifact server.
 */
export type SourceEnvironment = ControllerEnvironment;

export function startSourceEnvironment(
  prefix: string,
  options: { maxRepositorySize?: number } = {},
): Promise<SourceEnvironment> {
  return startControllerEnvironment(prefix, {
    name: 'source-controller',
    register(manager, storage) {
      registerSourceReconcilers(manager, {
        storage,
        options: {
          gitRepositoryMaxSize: options.maxRepositorySize ?? 64 * 1024 * 1024,
          helmIndexMaxSize: 8 * 1024 * 1024,
          helmChartMaxSize: 8 * 1024 * 1024,
        },
      });
      return undefined;
    },
  });
}

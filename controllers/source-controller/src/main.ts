/**
 * tide-source-controller: flags → storage + artifact server → Manager with the source
 * reconcilers. Exits 0 on SIGTERM/SIGINT after in-flight reconciles finish, 1 when start-up
 * fails or the leader Lease is lost, 70 on an unhandled rejection or uncaught exception.
 */
import { Storage, startArtifactServer } from '@tide/artifact';
import { Manager, runControllerMain, runManager } from '@tide/runtime';
import { addSourceFlags, sourceOptionsFrom } from './flags.js';
import { registerSourceReconcilers } from './register.js';

runControllerMain({
  name: 'source-controller',
  description: 'Tide source-controller: GitRepository, HelmRepository and HelmChart artifacts',
  concurrent: 2,
  addFlags: addSourceFlags,
  optionsFrom: sourceOptionsFrom,
  async run({ options, runtime, logger }) {
    const storage = new Storage({
      basePath: options.storagePath,
      advertisedAddress: options.storageAdvAddr,
      retentionRecords: options.artifactRetentionRecords,
    });
    await storage.init();
    const server = await startArtifactServer({
      basePath: options.storagePath,
      address: options.storageAddr,
    });
    const manager = new Manager({ name: 'source-controller', runtime, logger });
    registerSourceReconcilers(manager, { storage, options });
    logger.info(
      { storage: options.storagePath, address: server.address, advertised: options.storageAdvAddr },
      'artifact server listening',
    );
    return { code: await runManager(manager), cleanup: () => server.close() };
  },
});

/**
 * tide-source-controller: flags → storage + artifact server → Manager with the source
 * reconcilers. Exits 0 on SIGTERM/SIGINT after in-flight reconciles finish.
 */
import { Command } from 'commander';
import { Storage, startArtifactServer } from '@tide/artifact';
import { Manager, addRuntimeFlags, runManager, runtimeOptionsFrom } from '@tide/runtime';
import { addSourceFlags, sourceOptionsFrom } from './flags.js';
import { registerSourceReconcilers } from './register.js';

const program = addSourceFlags(
  addRuntimeFlags(new Command('tide-source-controller'), { concurrent: 2 }),
)
  .description('Tide source-controller: GitRepository, HelmRepository and HelmChart artifacts')
  .allowExcessArguments(false);
program.parse(process.argv);
const values = program.opts();
const options = sourceOptionsFrom(values);

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
const manager = new Manager({ name: 'source-controller', runtime: runtimeOptionsFrom(values) });
registerSourceReconcilers(manager, { storage, options });
manager.logger.info(
  { storage: options.storagePath, address: server.address, advertised: options.storageAdvAddr },
  'artifact server listening',
);
const code = await runManager(manager);
await server.close();
process.exitCode = code;

/**
 * tide-source-controller: flags → storage + artifact server → Manager with the source
 * reconcilers. Exits 0 on SIGTERM/SIGINT after in-flight reconciles finish, 1 when start-up
 * fails or the leader Lease is lost, 70 on an unhandled rejection or uncaught exception.
 */
import { Command } from 'commander';
import { Storage, startArtifactServer } from '@tide/artifact';
import {
  ExitCode,
  Manager,
  addRuntimeFlags,
  createLogger,
  exitProcess,
  guardProcess,
  runManager,
  runtimeOptionsFrom,
} from '@tide/runtime';
import { messageOf } from '@tide/kube';
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
const runtime = runtimeOptionsFrom(values);
const logger = createLogger({ level: runtime.logLevel });
guardProcess(logger);

async function main(): Promise<void> {
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
  const code = await runManager(manager);
  await exitProcess(code, { logger, cleanup: () => server.close() });
}

main().catch(async (error: unknown) => {
  logger.error({ err: error }, `source-controller failed: ${messageOf(error)}`);
  await exitProcess(ExitCode.Failed, { logger });
});

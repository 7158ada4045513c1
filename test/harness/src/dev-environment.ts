/**
 * The environment `make dev` runs and its e2e test starts: a control plane with every CRD,
 * the harness Git server (no auth, 127.0.0.1) serving the demo fleet repository, and each
 * controller as its own process. Nothing in it reaches beyond 127.0.0.1.
 */
import { dirname, join } from 'node:path';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { controllerNames, startController, type ControllerProcess } from './controllers.js';
import { demoFleet, demoFleetFiles } from './demo-fleet.js';
import { devWalkthrough, type Walkthrough } from './dev-walkthrough.js';
import { startGitServer, type GitRepositoryFixture, type GitServer } from './git-server.js';
import { oracles } from './oracles.js';
import { makeTempDir } from './temp.js';

export interface DevEnvironmentOptions {
  /** The controllers' `--log-level` (default `info`). */
  readonly logLevel?: string;
}

export interface DevEnvironment {
  readonly controlPlane: ControlPlane;
  readonly gitServer: GitServer;
  /** The demo fleet repository (see demo-fleet.ts) on `gitServer`. */
  readonly fleet: GitRepositoryFixture;
  readonly controllers: readonly ControllerProcess[];
  /** The kubectl matching the control plane's version (the harness oracle). */
  readonly kubectl: string;
  /** The walk-through with this environment's kubeconfig, URLs and paths filled in. */
  readonly walkthrough: Walkthrough;
  /** Each controller's log file, by controller name. */
  readonly logFiles: Readonly<Record<string, string>>;
  /** Stops every process and removes every directory it started with (the clone included). */
  stop(): Promise<void>;
}

export async function startDevEnvironment(
  options: DevEnvironmentOptions = {},
): Promise<DevEnvironment> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    const controlPlane = await startControlPlane({ crds: true });
    stops.push(() => controlPlane.stop());
    const gitServer = await startGitServer();
    stops.push(() => gitServer.stop());
    const fleet = await gitServer.createRepository(demoFleet.repository, {
      files: demoFleetFiles,
      branch: demoFleet.branch,
      message: 'demo fleet: web app base and dev overlay',
    });
    const scratch = await makeTempDir('dev');
    stops.push(() => scratch.remove());
    const controllers: ControllerProcess[] = [];
    stops.push(() => Promise.all(controllers.map((c) => c.stop())).then(() => undefined));
    for (const name of controllerNames) {
      controllers.push(
        await startController(name, {
          kubeconfigPath: controlPlane.kubeconfigPath,
          workDir: controlPlane.dir,
          ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
        }),
      );
    }
    const { kubectl } = await oracles();
    return {
      controlPlane,
      gitServer,
      fleet,
      controllers,
      kubectl,
      walkthrough: devWalkthrough({
        kubeconfigPath: controlPlane.kubeconfigPath,
        kubectlDir: dirname(kubectl),
        gitUrl: fleet.url,
        cloneDir: join(scratch.path, demoFleet.repository),
      }),
      logFiles: Object.fromEntries(
        controllers.map((c) => [c.name, join(controlPlane.dir, c.name, 'controller.log')]),
      ),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

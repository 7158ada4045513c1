/**
 * @tide/harness: the real servers Tide's integration tests run against, all on 127.0.0.1
 * with free ports and temp dirs that stop() removes.
 */
export { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.js';
export { apiRequest, type ApiConnection, type ApiRequest, type ApiResponse } from './kube.js';
export {
  startApiProxy,
  type ApiProxy,
  type ApiProxyOptions,
  type ProxiedRequest,
  type ProxyRule,
  type RequestPredicate,
  type WriteRecord,
} from './api-proxy.js';
export {
  startGitServer,
  gitEnv,
  type GitServer,
  type GitServerOptions,
  type GitRepositoryFixture,
  type FileChanges,
  type CreateRepositoryOptions,
} from './git-server.js';
export {
  startSshGitServer,
  type SshClientKey,
  type SshClientKeyOptions,
  type SshGitServer,
  type SshGitServerOptions,
  type SshHostKey,
  type SshKeyType,
} from './ssh-git-server.js';
export {
  startRegistry,
  type Registry,
  type RegistryOptions,
  type PushedImage,
} from './registry.js';
export {
  startChartRepository,
  defaultChartFiles,
  type ChartRepository,
  type ChartRepositoryOptions,
  type ChartSpec,
} from './chart-repository.js';
export { oracles, type Oracles } from './oracles.js';
export {
  controllerNames,
  startController,
  type ControllerProcess,
  type ControllerProcessOptions,
} from './controllers.js';
export { envtestBinaries, envtestVersions, type EnvtestBinaries } from './envtest.js';
export {
  sharedControlPlane,
  sharedControlPlaneEnv,
  type SharedControlPlane,
  type SharedControlPlaneInfo,
} from './shared.js';
export { makeTempDir, tempPrefix, type TempDir } from './temp.js';
export { freePort, httpRequest, waitFor, type HttpAnswer, type WaitOptions } from './net.js';
export { run, startProcess, type ManagedProcess, type ProcessSpec } from './process.js';
export { repoRoot, cacheDir } from './repo.js';
export {
  startDevEnvironment,
  type DevEnvironment,
  type DevEnvironmentOptions,
} from './dev-environment.js';
export {
  devWalkthrough,
  formatWalkthrough,
  walkthroughPlaceholders,
  type Walkthrough,
  type WalkthroughStep,
  type WalkthroughValues,
} from './dev-walkthrough.js';
export { demoFleet, demoFleetFiles } from './demo-fleet.js';

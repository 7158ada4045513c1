/**
 * @tide/test-support: what controller tests share — a controller's reconcilers in-process on
 * the shared control plane with their own artifact storage and server, and source artifacts
 * published by hand so a consumer's tests never run source-controller (only e2e runs
 * controllers together, as processes).
 */
export {
  startControllerEnvironment,
  type ControllerEnvironment,
  type ControllerUnderTest,
} from './environment.js';
export {
  publishArtifact,
  publishGitRepository,
  type PublishedGitRepository,
  type PublishTarget,
  type SourceRef,
} from './publish.js';
export {
  condition,
  conditionsOf,
  outcomeOf,
  startStepEnvironment,
  type StepEnvironment,
  type StepRun,
} from './steps.js';

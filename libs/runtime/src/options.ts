import type { LogLevel } from './logger.js';

/** Everything a controller process can be told on its command line (flags.ts). */
export interface RuntimeOptions {
  /** A kubeconfig file; KUBECONFIG, ~/.kube/config or in-cluster when undefined. */
  readonly kubeconfig: string | undefined;
  /** `host:port` for /metrics; `0` turns it off. */
  readonly metricsAddr: string;
  /** `host:port` for /healthz and /readyz; `0` turns it off. */
  readonly healthAddr: string;
  readonly watchAllNamespaces: boolean;
  readonly watchLabelSelector: string;
  readonly concurrent: number;
  /** How long a WaitingError for a dependency waits by default. */
  readonly requeueDependencyMs: number;
  readonly minRetryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly intervalJitterPercentage: number;
  readonly enableLeaderElection: boolean;
  readonly leaderElectionLeaseDurationMs: number;
  readonly leaderElectionRenewDeadlineMs: number;
  readonly leaderElectionRetryPeriodMs: number;
  readonly leaderElectionReleaseOnCancel: boolean;
  readonly logLevel: LogLevel;
  readonly gracefulShutdownTimeoutMs: number;
}

export const defaultRuntimeOptions: RuntimeOptions = {
  kubeconfig: undefined,
  metricsAddr: ':8080',
  healthAddr: ':9440',
  watchAllNamespaces: true,
  watchLabelSelector: '',
  concurrent: 4,
  requeueDependencyMs: 30_000,
  minRetryDelayMs: 750,
  maxRetryDelayMs: 15 * 60_000,
  intervalJitterPercentage: 5,
  enableLeaderElection: false,
  leaderElectionLeaseDurationMs: 35_000,
  leaderElectionRenewDeadlineMs: 30_000,
  leaderElectionRetryPeriodMs: 5_000,
  leaderElectionReleaseOnCancel: true,
  logLevel: 'info',
  gracefulShutdownTimeoutMs: 30_000,
};

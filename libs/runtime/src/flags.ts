import { InvalidArgumentError, Option, type Command } from 'commander';
import { formatDuration, parseDuration, messageOf } from '@tide/kube';
import { isLogLevel, LogLevel } from './logger.js';
import { defaultRuntimeOptions, type RuntimeOptions } from './options.js';

/**
 * The flags every controller shares, with Flux's names and defaults, so a Flux Deployment's
 * arguments work unchanged. Booleans take Go's `--flag=false` form as well as `--flag`.
 */

export interface RuntimeFlagDefaults {
  /** Flux's source-controller runs 2 workers, the others 4. */
  readonly concurrent?: number;
}

/** Adds the shared flags to `command`; read them back with runtimeOptionsFrom(command.opts()). */
export function addRuntimeFlags(command: Command, defaults: RuntimeFlagDefaults = {}): Command {
  const d = defaultRuntimeOptions;
  const options = [
    new Option('--kubeconfig <path>', 'path to a kubeconfig; in-cluster or KUBECONFIG when unset'),
    new Option('--metrics-addr <addr>', 'the address the metric endpoint binds to').default(
      d.metricsAddr,
    ),
    new Option('--health-addr <addr>', 'the address the health endpoint binds to').default(
      d.healthAddr,
    ),
    booleanOption(
      '--watch-all-namespaces',
      'watch for resources in all namespaces; if false, only in the runtime namespace',
      d.watchAllNamespaces,
    ),
    new Option(
      '--watch-label-selector <selector>',
      'watch only resources matching this label selector (sharding)',
    ).default(d.watchLabelSelector),
    new Option('--concurrent <n>', 'the number of concurrent reconciles per kind')
      .default(defaults.concurrent ?? d.concurrent)
      .argParser(positiveInteger),
    durationOption(
      '--requeue-dependency',
      'the interval at which failing dependencies are re-checked',
      d.requeueDependencyMs,
    ),
    durationOption(
      '--min-retry-delay',
      'the minimum delay before retrying a failed reconcile',
      d.minRetryDelayMs,
    ),
    durationOption(
      '--max-retry-delay',
      'the maximum delay before retrying a failed reconcile',
      d.maxRetryDelayMs,
    ),
    new Option(
      '--interval-jitter-percentage <percent>',
      "spread each object's interval by up to this percentage",
    )
      .default(d.intervalJitterPercentage)
      .argParser(percentage),
    booleanOption(
      '--enable-leader-election',
      'elect a leader so only one replica reconciles',
      d.enableLeaderElection,
    ),
    durationOption(
      '--leader-election-lease-duration',
      'how long a non-leader waits before taking an unrenewed lease',
      d.leaderElectionLeaseDurationMs,
    ),
    durationOption(
      '--leader-election-renew-deadline',
      'how long the leader keeps trying to renew before giving up',
      d.leaderElectionRenewDeadlineMs,
    ),
    durationOption(
      '--leader-election-retry-period',
      'how often candidates try to acquire or renew the lease',
      d.leaderElectionRetryPeriodMs,
    ),
    booleanOption(
      '--leader-election-release-on-cancel',
      'release the lease on a graceful stop',
      d.leaderElectionReleaseOnCancel,
    ),
    new Option('--log-level <level>', 'log verbosity: trace, debug, info or error')
      .default(d.logLevel)
      .choices(Object.values(LogLevel)),
    durationOption(
      '--graceful-shutdown-timeout',
      'how long in-flight reconciles may run after a stop signal',
      d.gracefulShutdownTimeoutMs,
    ),
  ];
  for (const option of options) command.addOption(option);
  return command;
}

function booleanOption(flags: string, description: string, value: boolean): Option {
  // commander hands the preset (a bare `--flag`) to the parser as it is: already a boolean.
  return new Option(`${flags} [bool]`, description)
    .default(value)
    .preset(true)
    .argParser((text: string | boolean) => (typeof text === 'boolean' ? text : parseBoolean(text)));
}

function durationOption(flag: string, description: string, ms: number): Option {
  return new Option(`${flag} <duration>`, description)
    .default(ms, formatDuration(ms))
    .argParser((text) => {
      try {
        return parseDuration(text);
      } catch (error) {
        throw new InvalidArgumentError(messageOf(error));
      }
    });
}

export function parseBoolean(text: string): boolean {
  if (['true', '1', 't', 'T', 'TRUE', 'True'].includes(text)) return true;
  if (['false', '0', 'f', 'F', 'FALSE', 'False'].includes(text)) return false;
  throw new InvalidArgumentError(`"${text}" is not a boolean: use true or false`);
}

function positiveInteger(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`"${text}" is not a positive integer`);
  return n;
}

function percentage(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n >= 100) {
    throw new InvalidArgumentError(`"${text}" is not a percentage from 0 to 99`);
  }
  return n;
}

/** The parsed values of the shared flags, as the Manager takes them. */
export function runtimeOptionsFrom(values: Readonly<Record<string, unknown>>): RuntimeOptions {
  const d = defaultRuntimeOptions;
  const num = (key: string, fallback: number) =>
    typeof values[key] === 'number' ? values[key] : fallback;
  const bool = (key: string, fallback: boolean) =>
    typeof values[key] === 'boolean' ? values[key] : fallback;
  const str = (key: string, fallback: string) =>
    typeof values[key] === 'string' ? values[key] : fallback;
  const logLevel = str('logLevel', d.logLevel);
  return {
    kubeconfig: typeof values.kubeconfig === 'string' ? values.kubeconfig : undefined,
    metricsAddr: str('metricsAddr', d.metricsAddr),
    healthAddr: str('healthAddr', d.healthAddr),
    watchAllNamespaces: bool('watchAllNamespaces', d.watchAllNamespaces),
    watchLabelSelector: str('watchLabelSelector', d.watchLabelSelector),
    concurrent: num('concurrent', d.concurrent),
    requeueDependencyMs: num('requeueDependency', d.requeueDependencyMs),
    minRetryDelayMs: num('minRetryDelay', d.minRetryDelayMs),
    maxRetryDelayMs: num('maxRetryDelay', d.maxRetryDelayMs),
    intervalJitterPercentage: num('intervalJitterPercentage', d.intervalJitterPercentage),
    enableLeaderElection: bool('enableLeaderElection', d.enableLeaderElection),
    leaderElectionLeaseDurationMs: num(
      'leaderElectionLeaseDuration',
      d.leaderElectionLeaseDurationMs,
    ),
    leaderElectionRenewDeadlineMs: num(
      'leaderElectionRenewDeadline',
      d.leaderElectionRenewDeadlineMs,
    ),
    leaderElectionRetryPeriodMs: num('leaderElectionRetryPeriod', d.leaderElectionRetryPeriodMs),
    leaderElectionReleaseOnCancel: bool(
      'leaderElectionReleaseOnCancel',
      d.leaderElectionReleaseOnCancel,
    ),
    logLevel: isLogLevel(logLevel) ? logLevel : d.logLevel,
    gracefulShutdownTimeoutMs: num('gracefulShutdownTimeout', d.gracefulShutdownTimeoutMs),
  };
}

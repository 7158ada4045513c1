import { describe, expect, it } from '@jest/globals';
import { Command } from 'commander';
import {
  addRuntimeFlags,
  defaultRuntimeOptions,
  runtimeOptionsFrom,
  type RuntimeOptions,
} from '../src/index.js';

function parse(args: string[], concurrent?: number): RuntimeOptions {
  const command = addRuntimeFlags(
    new Command('controller').exitOverride(),
    concurrent === undefined ? {} : { concurrent },
  );
  command.parse(args, { from: 'user' });
  return runtimeOptionsFrom(command.opts());
}

// The shared flags read the way Flux's do, defaults included.
describe('runtime flags', () => {
  it('has Flux defaults', () => {
    expect(parse([])).toEqual(defaultRuntimeOptions);
    expect(parse([], 2).concurrent).toBe(2);
  });

  it.each<[string[], Partial<RuntimeOptions>]>([
    [
      ['--metrics-addr=:9090', '--health-addr', '127.0.0.1:9441'],
      { metricsAddr: ':9090', healthAddr: '127.0.0.1:9441' },
    ],
    [['--watch-all-namespaces=false'], { watchAllNamespaces: false }],
    [['--watch-all-namespaces'], { watchAllNamespaces: true }],
    [
      ['--watch-label-selector=sharding.fluxcd.io/key=shard1'],
      { watchLabelSelector: 'sharding.fluxcd.io/key=shard1' },
    ],
    [['--concurrent=10'], { concurrent: 10 }],
    [
      ['--min-retry-delay=1s', '--max-retry-delay=5m'],
      { minRetryDelayMs: 1_000, maxRetryDelayMs: 300_000 },
    ],
    [['--requeue-dependency=5s'], { requeueDependencyMs: 5_000 }],
    [
      ['--enable-leader-election', '--leader-election-lease-duration=10s'],
      { enableLeaderElection: true, leaderElectionLeaseDurationMs: 10_000 },
    ],
    [['--leader-election-release-on-cancel=false'], { leaderElectionReleaseOnCancel: false }],
    [['--log-level=debug', '--kubeconfig=/tmp/kc'], { logLevel: 'debug', kubeconfig: '/tmp/kc' }],
    [['--interval-jitter-percentage=10'], { intervalJitterPercentage: 10 }],
  ])('%j', (args, want) => {
    expect(parse(args)).toEqual({ ...defaultRuntimeOptions, ...want });
  });

  it.each([
    ['--concurrent=0'],
    ['--min-retry-delay=soon'],
    ['--log-level=loud'],
    ['--watch-all-namespaces=maybe'],
  ])('rejects %s', (arg) => {
    expect(() => parse([arg])).toThrow();
  });
});

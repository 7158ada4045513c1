import { describe, expect, it } from '@jest/globals';
import { Command } from 'commander';
import { addKustomizeFlags, kustomizeOptionsFrom } from '../src/index.js';

const parse = (args: string[]) => {
  const command = addKustomizeFlags(new Command('test'))
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  command.parse(args, { from: 'user' });
  return kustomizeOptionsFrom(command.opts());
};

describe('kustomize-controller flags', () => {
  it('has Flux defaults', () => {
    expect(parse([])).toEqual({
      noCrossNamespaceRefs: false,
      defaultServiceAccount: undefined,
      artifactFetchRetries: 9,
      strictSubstitutions: false,
      noRemoteBases: false,
      insecureKubeConfigExec: false,
      insecureKubeConfigTls: false,
      buildWorkers: 2,
      buildMemoryLimitMb: 256,
      buildTimeoutMs: 300_000,
    });
  });

  it('reads the build limits', () => {
    expect(
      parse(['--build-workers=3', '--build-memory-limit=512', '--build-timeout=90s']),
    ).toMatchObject({ buildWorkers: 3, buildMemoryLimitMb: 512, buildTimeoutMs: 90_000 });
  });

  it.each([
    ['--build-workers=0'],
    ['--build-memory-limit=100'],
    ['--build-timeout=0s'],
    ['--build-timeout=soon'],
  ])('refuses %s', (arg) => {
    expect(() => parse([arg])).toThrow();
  });

  it.each([
    [['--no-cross-namespace-refs'], true],
    [['--no-cross-namespace-refs=true'], true],
    [['--no-cross-namespace-refs=false'], false],
  ])('%j → noCrossNamespaceRefs %s', (args, expected) => {
    expect(parse(args).noCrossNamespaceRefs).toBe(expected);
  });

  it('reads the service account, retries and feature gates', () => {
    expect(
      parse([
        '--default-service-account=deployer',
        '--artifact-fetch-retries=0',
        '--feature-gates=StrictPostBuildSubstitutions=true',
      ]),
    ).toEqual({
      noCrossNamespaceRefs: false,
      defaultServiceAccount: 'deployer',
      artifactFetchRetries: 0,
      buildWorkers: 2,
      buildMemoryLimitMb: 256,
      buildTimeoutMs: 300_000,
      strictSubstitutions: true,
      noRemoteBases: false,
      insecureKubeConfigExec: false,
      insecureKubeConfigTls: false,
    });
  });

  it.each([
    [['--no-remote-bases'], true],
    [['--no-remote-bases=true'], true],
    [['--no-remote-bases=false'], false],
  ])('%j → noRemoteBases %s', (args, expected) => {
    expect(parse(args).noRemoteBases).toBe(expected);
  });

  it.each([
    [['--insecure-kubeconfig-exec'], true, false],
    [['--insecure-kubeconfig-tls=true'], false, true],
    [['--insecure-kubeconfig-exec=false', '--insecure-kubeconfig-tls'], false, true],
  ])('%j → exec %s, tls %s', (args, exec, tls) => {
    const options = parse(args);
    expect(options.insecureKubeConfigExec).toBe(exec);
    expect(options.insecureKubeConfigTls).toBe(tls);
  });

  it('refuses unknown feature gates and bad numbers', () => {
    expect(() => parse(['--feature-gates=Nope=true'])).toThrow(/unknown feature gate 'Nope'/);
    expect(() => parse(['--artifact-fetch-retries=-1'])).toThrow(/at least 0/);
  });
});

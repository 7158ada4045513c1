import { hostname } from 'node:os';
import { InvalidArgumentError, Option, type Command } from 'commander';

/** The flags only source-controller has, with Flux's names and defaults. */
export interface SourceControllerOptions {
  readonly storagePath: string;
  readonly storageAddr: string;
  readonly storageAdvAddr: string;
  readonly artifactRetentionRecords: number;
  readonly gitRepositoryMaxSize: number;
  readonly helmIndexMaxSize: number;
  readonly helmChartMaxSize: number;
}

const mebibyte = 1024 * 1024;

export function addSourceFlags(command: Command): Command {
  const options = [
    new Option('--storage-path <path>', 'where artifacts are stored').default('/data'),
    new Option('--storage-addr <addr>', 'the address the artifact server binds to').default(
      ':9090',
    ),
    new Option(
      '--storage-adv-addr <addr>',
      'the host[:port] consumers download artifacts from; defaults to the pod hostname',
    ),
    new Option('--artifact-retention-records <n>', 'how many artifacts to keep per object')
      .default(2)
      .argParser(positive),
    new Option(
      '--git-repository-max-size <bytes>',
      'refuse Git repositories whose fetch is larger than this',
    )
      .default(1024 * mebibyte)
      .argParser(positive),
    new Option('--helm-index-max-size <bytes>', 'refuse Helm repository indexes larger than this')
      .default(50 * mebibyte)
      .argParser(positive),
    new Option('--helm-chart-max-size <bytes>', 'refuse Helm charts larger than this')
      .default(10 * mebibyte)
      .argParser(positive),
  ];
  for (const option of options) command.addOption(option);
  return command;
}

export function sourceOptionsFrom(
  values: Readonly<Record<string, unknown>>,
): SourceControllerOptions {
  const text = (key: string, fallback: string): string =>
    typeof values[key] === 'string' ? values[key] : fallback;
  const number = (key: string, fallback: number): number =>
    typeof values[key] === 'number' ? values[key] : fallback;
  const storageAddr = text('storageAddr', ':9090');
  return {
    storagePath: text('storagePath', '/data'),
    storageAddr,
    storageAdvAddr: text('storageAdvAddr', defaultAdvertisedAddress(storageAddr)),
    artifactRetentionRecords: number('artifactRetentionRecords', 2),
    gitRepositoryMaxSize: number('gitRepositoryMaxSize', 1024 * mebibyte),
    helmIndexMaxSize: number('helmIndexMaxSize', 50 * mebibyte),
    helmChartMaxSize: number('helmChartMaxSize', 10 * mebibyte),
  };
}

/** Flux's default: the pod's hostname with the storage port. */
function defaultAdvertisedAddress(storageAddr: string): string {
  const port = /:(\d+)$/.exec(storageAddr)?.[1] ?? '9090';
  return `${hostname()}:${port}`;
}

function positive(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1)
    throw new InvalidArgumentError('must be a whole number of at least 1');
  return parsed;
}

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

/** Flux's defaults; the flags and sourceOptionsFrom both read them from here. */
const defaultSourceOptions = {
  storagePath: '/data',
  storageAddr: ':9090',
  artifactRetentionRecords: 2,
  // A fetch holds the pack and the objects inflated from it (about 3× the pack) in memory;
  // 128 MiB × 3 × --concurrent=2 fits the chart's 768 MiB heap.
  gitRepositoryMaxSize: 128 * mebibyte,
  helmIndexMaxSize: 50 * mebibyte,
  helmChartMaxSize: 10 * mebibyte,
} as const satisfies Omit<SourceControllerOptions, 'storageAdvAddr'>;

export function addSourceFlags(command: Command): Command {
  const d = defaultSourceOptions;
  const options = [
    new Option('--storage-path <path>', 'where artifacts are stored').default(d.storagePath),
    new Option('--storage-addr <addr>', 'the address the artifact server binds to').default(
      d.storageAddr,
    ),
    new Option(
      '--storage-adv-addr <addr>',
      'the host[:port] consumers download artifacts from; defaults to the pod hostname',
    ),
    new Option('--artifact-retention-records <n>', 'how many artifacts to keep per object')
      .default(d.artifactRetentionRecords)
      .argParser(positive),
    new Option(
      '--git-repository-max-size <bytes>',
      'refuse Git repositories whose fetch is larger than this',
    )
      .default(d.gitRepositoryMaxSize)
      .argParser(positive),
    new Option('--helm-index-max-size <bytes>', 'refuse Helm repository indexes larger than this')
      .default(d.helmIndexMaxSize)
      .argParser(positive),
    new Option('--helm-chart-max-size <bytes>', 'refuse Helm charts larger than this')
      .default(d.helmChartMaxSize)
      .argParser(positive),
  ];
  for (const option of options) command.addOption(option);
  return command;
}

/** Reads the flags back from `command.opts()`; a value that is absent takes its default. */
export function sourceOptionsFrom(
  values: Readonly<Record<string, unknown>>,
): SourceControllerOptions {
  const d = defaultSourceOptions;
  const text = (key: 'storagePath' | 'storageAddr'): string => {
    const value = values[key];
    return typeof value === 'string' ? value : d[key];
  };
  const number = (
    key:
      'artifactRetentionRecords' | 'gitRepositoryMaxSize' | 'helmIndexMaxSize' | 'helmChartMaxSize',
  ): number => {
    const value = values[key];
    return typeof value === 'number' ? value : d[key];
  };
  const storageAddr = text('storageAddr');
  const storageAdvAddr = values.storageAdvAddr;
  return {
    storagePath: text('storagePath'),
    storageAddr,
    storageAdvAddr:
      typeof storageAdvAddr === 'string' ? storageAdvAddr : defaultAdvertisedAddress(storageAddr),
    artifactRetentionRecords: number('artifactRetentionRecords'),
    gitRepositoryMaxSize: number('gitRepositoryMaxSize'),
    helmIndexMaxSize: number('helmIndexMaxSize'),
    helmChartMaxSize: number('helmChartMaxSize'),
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

/** How many times its download size a Git fetch may hold in memory at its peak. */
export const gitFetchMemoryFactor = 3;

/**
 * A warning when `--concurrent` Git fetches at `--git-repository-max-size` could outgrow the
 * heap (`heapLimitBytes`, V8's limit): the pod would be OOM-killed by one large repository
 * instead of refusing it. Undefined when the settings fit.
 */
export function memoryBudgetWarning(
  options: Pick<SourceControllerOptions, 'gitRepositoryMaxSize'>,
  concurrent: number,
  heapLimitBytes: number,
): string | undefined {
  const peak = options.gitRepositoryMaxSize * gitFetchMemoryFactor * concurrent;
  if (peak <= heapLimitBytes) return undefined;
  const mib = (bytes: number) => `${Math.round(bytes / mebibyte)} MiB`;
  return (
    `--git-repository-max-size=${options.gitRepositoryMaxSize} with --concurrent=${concurrent} ` +
    `may need ${mib(peak)} of heap, more than the ${mib(heapLimitBytes)} this process has: ` +
    `lower --git-repository-max-size or --concurrent, or raise --max-old-space-size and the pod's memory limit`
  );
}

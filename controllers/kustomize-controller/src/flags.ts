import { InvalidArgumentError, Option, type Command } from 'commander';
import { formatDuration, messageOf, parseDuration } from '@tide/kube';
import { parseBoolean } from '@tide/runtime';
import { ArtifactHostError, parseArtifactHosts, type ArtifactHost } from './artifact-hosts.js';

/** The flags only kustomize-controller has, with Flux's names and defaults. */
export interface KustomizeControllerOptions {
  /** Refuse `sourceRef`s and `dependsOn` entries that name another namespace. */
  readonly noCrossNamespaceRefs: boolean;
  /** The ServiceAccount to impersonate when a Kustomization names none. */
  readonly defaultServiceAccount: string | undefined;
  /** Further download attempts after a network error or a 5xx answer. */
  readonly artifactFetchRetries: number;
  /** `--feature-gates=StrictPostBuildSubstitutions=true`: an undefined variable is an error. */
  readonly strictSubstitutions: boolean;
  /** `--no-remote-bases`: refuse remote bases instead of fetching them. */
  readonly noRemoteBases: boolean;
  /** A `spec.kubeConfig` may run exec and auth-provider plugins. */
  readonly insecureKubeConfigExec: boolean;
  /** A `spec.kubeConfig` may skip TLS verification. */
  readonly insecureKubeConfigTls: boolean;
  /** How many builds run at once, each in its own worker thread (`--build-workers`). */
  readonly buildWorkers: number;
  /** Each build worker's whole memory in MiB (`--build-memory-limit`). */
  readonly buildMemoryLimitMb: number;
  /** Wall-clock limit of one build, besides `spec.timeout` (`--build-timeout`). */
  readonly buildTimeoutMs: number;
  /**
   * `--artifact-hosts`: artifact URLs are downloaded only from these hosts. Undefined: the
   * source-controller Service of the controller's namespace (defaultArtifactHosts).
   */
  readonly artifactHosts: readonly ArtifactHost[] | undefined;
}

/** The feature gates this controller knows, with their defaults. */
const featureGates = { StrictPostBuildSubstitutions: false } as const;
type FeatureGate = keyof typeof featureGates;

export const defaultArtifactFetchRetries = 9;
/**
 * Two builds at once, each worker process held to 256 MiB resident: with the chart's 320 MiB
 * main heap (and about 100 MiB of Node beside it) that stays under its 1 GiB memory limit.
 */
export const defaultBuildWorkers = 2;
export const defaultBuildMemoryLimitMb = 256;
export const defaultBuildTimeoutMs = 5 * 60_000;

export function addKustomizeFlags(command: Command): Command {
  const noCrossNamespaceRefs = booleanFlag(
    '--no-cross-namespace-refs [bool]',
    'refuse references to sources and dependencies in other namespaces',
  );
  const noRemoteBases = booleanFlag(
    '--no-remote-bases [bool]',
    'refuse remote bases (git URLs in kustomizations) instead of fetching them',
  );
  // commander reads a `--no-` prefix as the negation of another flag; these are their own.
  for (const [option, name] of [
    [noCrossNamespaceRefs, 'noCrossNamespaceRefs'],
    [noRemoteBases, 'noRemoteBases'],
  ] as const) {
    option.negate = false;
    option.attributeName = () => name;
  }
  const options = [
    noCrossNamespaceRefs,
    noRemoteBases,
    new Option(
      '--default-service-account <name>',
      "ServiceAccount (in the Kustomization's namespace) to impersonate when a Kustomization names none",
    ),
    new Option(
      '--artifact-fetch-retries <n>',
      'further attempts to download an artifact after a network error',
    )
      .default(defaultArtifactFetchRetries)
      .argParser(nonNegative),
    new Option(
      '--feature-gates <gates>',
      `comma-separated Gate=true|false pairs; known gates: ${Object.keys(featureGates).join(', ')}`,
    ).argParser(parseFeatureGates),
    booleanFlag(
      '--insecure-kubeconfig-exec [bool]',
      'let the kubeconfig of spec.kubeConfig run exec and auth-provider plugins',
    ),
    booleanFlag(
      '--insecure-kubeconfig-tls [bool]',
      'let the kubeconfig of spec.kubeConfig skip TLS verification',
    ),
    new Option(
      '--artifact-hosts <hosts>',
      'comma-separated host[:port] list artifact URLs may point at (any port when none is given); ' +
        'default: source-controller.<RUNTIME_NAMESPACE>.svc.cluster.local. (with and without the trailing dot)',
    ).argParser(artifactHostsArgument),
    new Option(
      '--build-workers <n>',
      'how many Kustomization builds run at once, each in a worker process',
    )
      .default(defaultBuildWorkers)
      .argParser(positive),
    new Option(
      '--build-memory-limit <MiB>',
      "each build worker's memory limit in MiB (its heap is 96 MiB less); a build past it fails and its worker is replaced",
    )
      .default(defaultBuildMemoryLimitMb)
      .argParser(atLeast(128)),
    new Option(
      '--build-timeout <duration>',
      'wall-clock limit of one build (spec.timeout also applies); a build past it fails and its worker is replaced',
    )
      .default(defaultBuildTimeoutMs, formatDuration(defaultBuildTimeoutMs))
      .argParser(positiveDuration),
  ];
  for (const option of options) command.addOption(option);
  return command;
}

export function kustomizeOptionsFrom(
  values: Readonly<Record<string, unknown>>,
): KustomizeControllerOptions {
  const account = values.defaultServiceAccount;
  return {
    noCrossNamespaceRefs: values.noCrossNamespaceRefs === true,
    defaultServiceAccount: typeof account === 'string' && account !== '' ? account : undefined,
    artifactFetchRetries:
      typeof values.artifactFetchRetries === 'number'
        ? values.artifactFetchRetries
        : defaultArtifactFetchRetries,
    strictSubstitutions: gateOf(values.featureGates, 'StrictPostBuildSubstitutions'),
    noRemoteBases: values.noRemoteBases === true,
    insecureKubeConfigExec: values.insecureKubeconfigExec === true,
    insecureKubeConfigTls: values.insecureKubeconfigTls === true,
    buildWorkers: numberOr(values.buildWorkers, defaultBuildWorkers),
    buildMemoryLimitMb: numberOr(values.buildMemoryLimit, defaultBuildMemoryLimitMb),
    buildTimeoutMs: numberOr(values.buildTimeout, defaultBuildTimeoutMs),
    artifactHosts: Array.isArray(values.artifactHosts)
      ? (values.artifactHosts as ArtifactHost[])
      : undefined,
  };
}

function artifactHostsArgument(text: string): ArtifactHost[] {
  try {
    return parseArtifactHosts(text);
  } catch (error) {
    if (error instanceof ArtifactHostError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

/** `--flag`, `--flag=true` or `--flag=false`; off when absent (Go's boolean flags). */
function booleanFlag(flags: string, description: string): Option {
  return new Option(flags, description)
    .default(false)
    .preset(true)
    .argParser((text: string | boolean) => (typeof text === 'boolean' ? text : parseBoolean(text)));
}

function gateOf(gates: unknown, gate: FeatureGate): boolean {
  if (gates instanceof Map && typeof gates.get(gate) === 'boolean') return gates.get(gate) === true;
  return featureGates[gate];
}

/** `A=true,B=false`; an unknown gate or a value other than a boolean is refused. */
export function parseFeatureGates(text: string): Map<FeatureGate, boolean> {
  const gates = new Map<FeatureGate, boolean>();
  for (const pair of text.split(',').filter((p) => p.trim() !== '')) {
    const [name = '', value = ''] = pair.split('=').map((part) => part.trim());
    if (!(name in featureGates))
      throw new InvalidArgumentError(
        `unknown feature gate '${name}': known gates are ${Object.keys(featureGates).join(', ')}`,
      );
    gates.set(name as FeatureGate, parseBoolean(value));
  }
  return gates;
}

function nonNegative(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0)
    throw new InvalidArgumentError('must be a whole number of at least 0');
  return parsed;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

function positive(value: string): number {
  return atLeast(1)(value);
}

function atLeast(minimum: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed) || parsed < minimum)
      throw new InvalidArgumentError(`must be a whole number of at least ${minimum}`);
    return parsed;
  };
}

function positiveDuration(text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    throw new InvalidArgumentError(messageOf(error));
  }
  if (ms <= 0) throw new InvalidArgumentError('must be a duration above 0, e.g. 5m');
  return ms;
}

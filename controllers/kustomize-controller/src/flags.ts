import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseBoolean } from '@tide/runtime';

/** The flags only kustomize-controller has, with Flux's names and defaults. */
export interface KustomizeControllerOptions {
  /** Refuse `sourceRef`s and `dependsOn` entries that name another namespace. */
  readonly noCrossNamespaceRefs: boolean;
  /**
   * The ServiceAccount to impersonate when a Kustomization names none. Accepted and
   * recorded; impersonation is not implemented yet, so nothing reads it.
   */
  readonly defaultServiceAccount: string | undefined;
  /** Further download attempts after a network error or a 5xx answer. */
  readonly artifactFetchRetries: number;
}

export const defaultArtifactFetchRetries = 9;

export function addKustomizeFlags(command: Command): Command {
  const noCrossNamespaceRefs = new Option(
    '--no-cross-namespace-refs [bool]',
    'refuse references to sources and dependencies in other namespaces',
  )
    .default(false)
    .preset(true)
    .argParser((text: string | boolean) => (typeof text === 'boolean' ? text : parseBoolean(text)));
  // commander reads a `--no-` prefix as the negation of another flag; this one is its own.
  noCrossNamespaceRefs.negate = false;
  noCrossNamespaceRefs.attributeName = () => 'noCrossNamespaceRefs';
  const options = [
    noCrossNamespaceRefs,
    new Option(
      '--default-service-account <name>',
      'ServiceAccount to impersonate when a Kustomization names none (recorded; impersonation is not implemented yet)',
    ),
    new Option(
      '--artifact-fetch-retries <n>',
      'further attempts to download an artifact after a network error',
    )
      .default(defaultArtifactFetchRetries)
      .argParser(nonNegative),
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
  };
}

function nonNegative(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0)
    throw new InvalidArgumentError('must be a whole number of at least 0');
  return parsed;
}

/** The work of `tide build kustomization` (see build.ts), loaded when the command runs. */
import type { Kustomization } from '@tide/api';
import { emitDocuments, type Value } from '@tide/kustomize';
import type { ClusterFlags } from './cluster-flags.js';
import { ClusterConnection } from './cluster.js';
import { CommandError } from './command-error.js';
import {
  buildNotices,
  getLiveKustomization,
  readKustomizationFile,
  buildRoot,
  resolveBuildPath,
  substituteDataReader,
} from './kustomization-input.js';
import { maskSopsData } from './sops-mask.js';
import type { Manifest } from '@tide/kube';
import { renderKustomization } from '@tide/kustomization';

export interface BuildKustomizationFlags extends ClusterFlags {
  readonly path?: string;
  readonly kustomizationFile?: string;
  readonly dryRun: boolean;
  readonly strictSubstitute: boolean;
}

/** What `tide build kustomization` prints: the YAML stream, and warnings for stderr. */
export interface BuildOutput {
  readonly yaml: string;
  readonly notices: readonly string[];
}

export async function buildKustomization(
  name: string,
  flags: BuildKustomizationFlags,
): Promise<BuildOutput> {
  const dir = await resolveBuildPath(flags.path);
  const connection = new ClusterConnection(flags);
  try {
    const kustomization = await kustomizationToBuild(name, flags, connection);
    const objects = await renderKustomization(kustomization, dir, {
      readData: substituteDataReader(connection, kustomization, flags.dryRun),
      strictSubstitutions: flags.strictSubstitute,
      remoteBases: true,
      confinementRoot: buildRoot(dir),
    });
    return { yaml: toYamlStream(maskSopsData(objects)), notices: buildNotices(kustomization) };
  } finally {
    connection.close();
  }
}

/** The file's Kustomization when given (flux's precedence), else the cluster's. */
async function kustomizationToBuild(
  name: string,
  flags: BuildKustomizationFlags,
  connection: ClusterConnection,
): Promise<Kustomization> {
  if (flags.kustomizationFile !== undefined)
    return readKustomizationFile(flags.kustomizationFile, name, flags.namespace);
  if (flags.dryRun)
    throw new CommandError(
      '--dry-run needs --kustomization-file: without the cluster the Kustomization spec must come from a file',
    );
  const live = await getLiveKustomization(connection, name, flags.namespace);
  if (live === undefined)
    throw new CommandError(
      `Kustomization ${flags.namespace}/${name} not found in the cluster: check NAME and ` +
        '-n/--namespace, or pass --kustomization-file with its YAML (and --dry-run to stay offline)',
    );
  return live;
}

/** Objects as kustomize prints them: one YAML document each, `---` between. */
export function toYamlStream(objects: readonly Manifest[]): string {
  return emitDocuments(objects.map((object) => toValue(object)));
}

function toValue(value: unknown): Value {
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  )
    return value;
  if (Array.isArray(value)) return value.map(toValue);
  if (typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toValue(item)]));
  throw new TypeError(`a rendered object holds a ${typeof value}, which is not JSON`);
}

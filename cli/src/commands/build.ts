/**
 * `tide build kustomization NAME --path DIR`: renders DIR as kustomize-controller would for
 * the Kustomization NAME (overlay fields, generated kustomization.yaml, post-build
 * substitution, common metadata, owner labels) and prints the objects as a YAML stream.
 * Mirrors `flux build kustomization`: the spec comes from the cluster, or from
 * `--kustomization-file`; `--dry-run` never connects and leaves substituteFrom unread.
 * Failures print `Error: ...` on stderr and exit 1.
 */
import { Command } from 'commander';
import type { Kustomization } from '@tide/api';
import { emitDocuments, type Value } from '@tide/kustomize';
import { renderKustomization } from '@tide/kustomize-controller';
import type { KubeObject } from '@tide/ssa';
import { addClusterFlags, ClusterConnection, type ClusterFlags } from './cluster.js';
import { CommandError, reportFailure } from './command-error.js';
import {
  buildNotices,
  getLiveKustomization,
  readKustomizationFile,
  resolveBuildPath,
  substituteDataReader,
} from './kustomization-input.js';
import { maskSopsData } from './sops-mask.js';

export interface BuildKustomizationFlags extends ClusterFlags {
  readonly path?: string;
  readonly kustomizationFile?: string;
  readonly dryRun: boolean;
  readonly strictSubstitute: boolean;
}

export function buildCommand(): Command {
  const command = new Command('build').description(
    'render Flux resources locally, as their controllers would',
  );
  const kustomization = new Command('kustomization')
    .alias('ks')
    .description(
      'print the objects kustomize-controller would apply for a Kustomization, built from a local directory',
    )
    .argument('<name>', 'the name of the Kustomization')
    .option('--path <dir>', 'local directory that matches the Kustomization spec.path')
    .option(
      '--kustomization-file <file>',
      'read the Kustomization from this YAML file instead of the cluster',
    )
    .option(
      '--dry-run',
      'do not connect to the cluster (needs --kustomization-file); substituteFrom is not read',
      false,
    )
    .option(
      '--strict-substitute',
      'fail on a ${var} without a value or default, as the controller does with --feature-gates=StrictPostBuildSubstitutions=true',
      false,
    );
  addClusterFlags(kustomization).action(async (name: string, flags: BuildKustomizationFlags) => {
    try {
      const output = await buildKustomization(name, flags);
      for (const notice of output.notices) process.stderr.write(`${notice}\n`);
      process.stdout.write(output.yaml);
    } catch (error) {
      reportFailure(error, 1);
    }
  });
  command.addCommand(kustomization);
  return command;
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
export function toYamlStream(objects: readonly KubeObject[]): string {
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

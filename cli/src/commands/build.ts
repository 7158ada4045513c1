/**
 * `tide build kustomization NAME --path DIR`: renders DIR as kustomize-controller would for
 * the Kustomization NAME (overlay fields, generated kustomization.yaml, post-build
 * substitution, common metadata, owner labels) and prints the objects as a YAML stream.
 * Mirrors `flux build kustomization`: the spec comes from the cluster, or from
 * `--kustomization-file`; `--dry-run` never connects and leaves substituteFrom unread.
 * Failures print `Error: ...` on stderr and exit 1.
 */
import { Command } from 'commander';
import { addClusterFlags, kustomizationCommand } from './cluster-flags.js';
import { reportFailure } from './command-error.js';
import type { BuildKustomizationFlags } from './build-kustomization.js';

export function buildCommand(): Command {
  const command = new Command('build').description(
    'render Flux resources locally, as their controllers would',
  );
  const kustomization = kustomizationCommand(
    'print the objects kustomize-controller would apply for a Kustomization, built from a local directory',
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
      const { buildKustomization } = await import('./build-kustomization.js');
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

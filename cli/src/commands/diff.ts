/**
 * `tide diff kustomization NAME --path DIR`: renders DIR as `tide build kustomization` does,
 * then asks the API server what applying it would change (server-side dry run, the
 * controller's field manager) and prints, per object, `► Kind/ns/name created`, `configured`
 * with a unified diff (Secret values masked), and, with `prune: true`, the objects of the
 * live inventory that would be `deleted`. Unchanged objects print nothing.
 * Exit status, as `flux diff kustomization`: 0 no differences, 1 differences found,
 * 2 the diff failed (usage errors included, so a script never reads a typo as "changed").
 */
import { Command, type CommanderError } from 'commander';
import { addClusterFlags, kustomizationCommand } from './cluster-flags.js';
import { reportFailure } from './command-error.js';
import type { DiffKustomizationFlags } from './diff-kustomization.js';

/** `tide diff kustomization`'s exit statuses, as flux's. */
export const DiffExit = { NoChanges: 0, Changes: 1, Failed: 2 } as const;
export type DiffExit = (typeof DiffExit)[keyof typeof DiffExit];

export function diffCommand(): Command {
  const command = new Command('diff').description(
    'compare Flux resources built locally with what the cluster has',
  );
  const kustomization = kustomizationCommand(
    'build a Kustomization from a local directory and show what applying it would change ' +
      '(server-side dry run). Exit status: 0 no differences, 1 differences found, 2 failed',
  )
    .option('--strict-substitute', 'fail on a ${var} without a value or default', false)
    .exitOverride(exitWithFailedStatus);
  addClusterFlags(kustomization).action(async (name: string, flags: DiffKustomizationFlags) => {
    try {
      const { diffKustomization } = await import('./diff-kustomization.js');
      const report = await diffKustomization(name, flags);
      process.stdout.write(report.output);
      for (const notice of report.notices) process.stderr.write(`${notice}\n`);
      process.exitCode = report.exit;
    } catch (error) {
      reportFailure(error, DiffExit.Failed);
    }
  });
  command.addCommand(kustomization);
  return command;
}

/** Commander's own errors (unknown flag, missing NAME) exit 2 here; help still exits 0. */
function exitWithFailedStatus(error: CommanderError): never {
  process.exit(error.exitCode === 0 ? 0 : DiffExit.Failed);
}

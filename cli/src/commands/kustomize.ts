/**
 * `tide kustomize build DIR`: prints what `kustomize build DIR` prints, using the in-process
 * engine. Output goes to stdout; a failure prints `Error: ...` on stderr and exits 1. Remote
 * resources (`https://host/org/repo//path?ref=v1`) are fetched, as kustomize does, unless
 * `--no-remote` is given.
 */
import { Command } from 'commander';
import { buildAsync, KustomizeError, type LoadRestrictor } from '@tide/kustomize';

interface BuildFlags {
  loadRestrictor: string;
  /** false with --no-remote */
  remote: boolean;
}

const restrictors: Readonly<Record<string, LoadRestrictor>> = {
  LoadRestrictionsRootOnly: 'rootOnly',
  LoadRestrictionsNone: 'none',
};

export function kustomizeCommand(): Command {
  const command = new Command('kustomize').description(
    'build kustomizations with the kustomize engine built into tide',
  );
  command
    .command('build')
    .description('print the resources a kustomization directory builds, as kustomize build does')
    .argument('[dir]', 'the kustomization directory', '.')
    .option(
      '--load-restrictor <restrictor>',
      'LoadRestrictionsRootOnly (files only from within each kustomization) or LoadRestrictionsNone',
      'LoadRestrictionsRootOnly',
    )
    .option('--no-remote', 'refuse remote resources (git URLs) instead of fetching them')
    .action(async (dir: string, flags: BuildFlags) => {
      const loadRestrictor = restrictors[flags.loadRestrictor];
      if (loadRestrictor === undefined) {
        fail(`unknown load restrictor ${flags.loadRestrictor}`);
        return;
      }
      try {
        const { yaml } = await buildAsync(dir, { loadRestrictor, remote: flags.remote });
        process.stdout.write(yaml);
      } catch (error) {
        if (!(error instanceof KustomizeError)) throw error;
        fail(error.message);
      }
    });
  return command;
}

function fail(message: string): void {
  process.stderr.write(`Error: ${message}\n`);
  process.exitCode = 1;
}

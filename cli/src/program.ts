import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { buildCommand } from './commands/build.js';
import { diffCommand } from './commands/diff.js';
import { kustomizeCommand } from './commands/kustomize.js';

/** The version of this CLI, from its package.json (found from src/ and from dist/src/). */
export function cliVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || readManifest(dir).name !== '@tide/cli') {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the package.json of @tide/cli');
    dir = parent;
  }
  return readManifest(dir).version;
}

function readManifest(dir: string): { name: string; version: string } {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
}

/** Builds the `tide` command tree; main.ts parses process.argv with it. */
export function buildProgram(): Command {
  const program = new Command('tide')
    .description('Tide: GitOps for Kubernetes, speaking the Flux v2 API')
    .version(cliVersion(), '-v, --version', 'print the version of tide')
    .showHelpAfterError()
    .configureOutput({
      outputError: (text, write) => {
        write(text);
      },
    });

  program
    .command('version')
    .description('print the version of tide and the Node.js it runs on')
    .option('-o, --output <format>', 'output format: text or json', 'text')
    .action((options: { output: string }) => {
      const info = {
        tide: cliVersion(),
        node: process.version,
        platform: `${process.platform}/${process.arch}`,
      };
      if (options.output === 'json') {
        process.stdout.write(`${JSON.stringify(info)}\n`);
      } else if (options.output === 'text') {
        process.stdout.write(`tide ${info.tide} (node ${info.node}, ${info.platform})\n`);
      } else {
        program.error(`error: unknown output format "${options.output}": use text or json`);
      }
    });

  program.addCommand(kustomizeCommand());
  program.addCommand(buildCommand());
  program.addCommand(diffCommand());
  return program;
}

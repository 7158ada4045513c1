import { Command } from 'commander';
import type { Logger } from 'pino';
import { messageOf } from '@tide/kube';
import { addRuntimeFlags, runtimeOptionsFrom } from './flags.js';
import { createLogger } from './logger.js';
import type { RuntimeOptions } from './options.js';
import { ExitCode, exitProcess, guardProcess } from './process.js';

/**
 * The one way a Tide controller binary starts and ends: its flags beside the runtime's, one
 * logger, the process guard, then `run`; whatever `run` resolves with (or a start-up failure)
 * ends the process through `exitProcess`.
 */
export interface ControllerMain<Options> {
  /** The controller's name (`source-controller`); the command is `tide-<name>`. */
  readonly name: string;
  readonly description: string;
  /** Default of `--concurrent`. */
  readonly concurrent: number;
  /** Adds the controller's own flags to the command. */
  readonly addFlags: (command: Command) => Command;
  /** The controller's options from the parsed flag values. */
  readonly optionsFrom: (values: Readonly<Record<string, unknown>>) => Options;
  /** Starts the controller and resolves when it stopped, with the exit code and what to close. */
  readonly run: (context: ControllerContext<Options>) => Promise<ControllerRun>;
}

export interface ControllerContext<Options> {
  readonly options: Options;
  readonly runtime: RuntimeOptions;
  readonly logger: Logger;
}

export interface ControllerRun {
  readonly code: number;
  /** Closes what the controller opened besides the manager (servers, worker processes). */
  readonly cleanup?: () => Promise<void>;
}

/** Parses `argv`, runs the controller and exits the process when it ends. */
export function runControllerMain<Options>(
  main: ControllerMain<Options>,
  argv: readonly string[] = process.argv,
): void {
  const program = main
    .addFlags(addRuntimeFlags(new Command(`tide-${main.name}`), { concurrent: main.concurrent }))
    .description(main.description)
    .allowExcessArguments(false);
  program.parse([...argv]);
  const values = program.opts();
  const options = main.optionsFrom(values);
  const runtime = runtimeOptionsFrom(values);
  const logger = createLogger({ level: runtime.logLevel });
  guardProcess(logger);
  void main.run({ options, runtime, logger }).then(
    ({ code, cleanup }) => exitProcess(code, cleanup ? { logger, cleanup } : { logger }),
    async (error: unknown) => {
      logger.error({ err: error }, `${main.name} failed: ${messageOf(error)}`);
      await exitProcess(ExitCode.Failed, { logger });
    },
  );
}

import type { Benchmark } from './measure.js';
import { cliStartup } from './benchmarks/cli-startup.js';

/** Every benchmark `make bench` runs, in order. */
export const benchmarks: readonly Benchmark[] = [cliStartup];

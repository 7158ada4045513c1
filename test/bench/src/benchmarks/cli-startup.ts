import { join } from 'node:path';
import { oracles, repoRoot } from '@tide/harness';
import { compareProcesses, formatMs, type Benchmark } from '../measure.js';

/** Cold start of the CLI, the floor under every `tide` command a person types. */
export const cliStartup: Benchmark = {
  name: 'cli-startup',
  description:
    '`tide version` vs `kubectl version --client`, whole processes, median of 15 alternating runs',
  async run() {
    const { kubectl } = await oracles();
    const tide = join(repoRoot(), 'node_modules', '.bin', 'tide');
    const result = await compareProcesses(
      { command: tide, args: ['version'] },
      { command: kubectl, args: ['version', '--client'] },
      15,
    );
    return [
      `tide version:             ${formatMs(result.ours)}`,
      `kubectl version --client: ${formatMs(result.theirs)}`,
      `ratio (tide / kubectl):   ${result.ratio.toFixed(2)}`,
    ];
  },
};

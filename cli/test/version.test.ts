import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot, run } from '@tide/harness';

const tide = () => join(repoRoot(), 'node_modules', '.bin', 'tide');

describe('tide version', () => {
  it('prints the version of the CLI package from the installed bin', async () => {
    const manifest = JSON.parse(
      await readFile(join(repoRoot(), 'cli', 'package.json'), 'utf8'),
    ) as { version: string };
    const out = await run(tide(), ['version']);
    expect(out).toBe(
      `tide ${manifest.version} (node ${process.version}, ${process.platform}/${process.arch})\n`,
    );
  });

  it('prints JSON with -o json', async () => {
    const out = await run(tide(), ['version', '-o', 'json']);
    expect(JSON.parse(out)).toMatchObject({
      tide: expect.stringMatching(/^\d+\.\d+\.\d+/),
      node: process.version,
    });
  });

  it('refuses an unknown output format with a message and exit code 1', async () => {
    await expect(run(tide(), ['version', '-o', 'xml'])).rejects.toThrow(
      /exit code 1\): error: unknown output format "xml": use text or json/,
    );
  });

  it.each([['--help'], ['version', '--help']])('shows help for %s', async (...args) => {
    const out = await run(tide(), args);
    expect(out).toMatch(/^Usage: tide/);
  });
});

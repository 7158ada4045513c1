import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  demoFleet,
  devWalkthrough,
  formatWalkthrough,
  makeTempDir,
  repoRoot,
  run,
  startDevEnvironment,
  walkthroughPlaceholders,
  type DevEnvironment,
  type TempDir,
  type WalkthroughStep,
} from '@tide/harness';

/**
 * The walk-through `make dev` prints, run as printed: each step's shell text through bash,
 * after the setup step as one shell would have it, as a newcomer with no kubeconfig and no
 * git identity of their own; only the local Git server is reachable.
 */
describe('the make dev walk-through', () => {
  let env: DevEnvironment;
  let home: TempDir;
  const newcomer = (): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home.path,
    LANG: 'C.UTF-8',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: join(home.path, '.gitconfig'),
    GIT_TERMINAL_PROMPT: '0',
  });
  const paste = (step: WalkthroughStep) =>
    run('bash', ['-euo', 'pipefail', '-c', `${env.walkthrough.setup.commands}\n${step.commands}`], {
      env: newcomer(),
      cwd: home.path,
    });
  const pasteAll = async (steps: readonly WalkthroughStep[]) => {
    let out = '';
    for (const step of steps) out += await paste(step);
    return out;
  };
  const k = (...args: string[]) =>
    run(env.kubectl, ['--kubeconfig', env.controlPlane.kubeconfigPath, ...args]);
  const deployment = (path: string) =>
    k('get', 'deployment', demoFleet.app, '-n', demoFleet.namespace, '-o', `jsonpath=${path}`);

  beforeAll(async () => {
    env = await startDevEnvironment();
    home = await makeTempDir('dev-walkthrough-home');
  });
  afterAll(async () => {
    await env.stop();
    await home.remove();
  });

  it('is the one the README shows, with placeholders for the printed values', async () => {
    const readme = await readFile(join(repoRoot(), 'README.md'), 'utf8');
    expect(readme).toContain(formatWalkthrough(devWalkthrough(walkthroughPlaceholders)));
    expect(formatWalkthrough(env.walkthrough)).toContain(`url: ${env.fleet.url}`);
  });

  it('applies the demo overlay from the local Git server', async () => {
    const out = await pasteAll(env.walkthrough.apply);
    const head = await env.fleet.head();
    expect(out).toContain(`stored artifact for revision 'main@sha1:${head}'`);
    expect(out).toMatch(/^deployment\.apps\/web +0\/2 /m);
    expect(out).toMatch(/^service\/web +ClusterIP /m);
    expect(out).toMatch(/^configmap\/web +1 /m);
    expect(await deployment('{.spec.replicas}')).toBe(String(demoFleet.replicasBefore));
    expect(await deployment('{.metadata.labels.env}')).toBe('dev');
  });

  it('follows a change pushed with the printed git commands', async () => {
    const before = await env.fleet.head();
    const out = await pasteAll(env.walkthrough.change);
    const after = await env.fleet.head();
    expect(after).not.toBe(before);
    expect(out).toContain(`main@sha1:${after}`);
    expect(await deployment('{.spec.replicas}')).toBe(String(demoFleet.replicasAfter));
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kustomization } from '@tide/api';
import { sha256Digest } from '@tide/artifact';
import { makeTempDir, type TempDir } from '@tide/harness';
import { SubstitutionError } from '@tide/kustomization';
import { KustomizeError, RemoteResourcesOff } from '@tide/kustomize';
import { BuildLimitError, BuildPool, type BuildRequest } from '../src/build-pool.js';

/**
 * The build pool with its real worker processes (the compiled build-worker.js in dist/, as
 * the controller runs it): objects and typed errors come back across the process boundary,
 * a build past its time or memory limit, or aborted, fails with a message naming the limit
 * and its worker is replaced, and the event loop keeps turning while a long build runs.
 */

const obj: Kustomization = {
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name: 'apps', namespace: 'tenant' },
  spec: { interval: '10m', prune: true, sourceRef: { kind: 'GitRepository', name: 'fleet' } },
};

/** One ConfigMap per entry of `sizes`, each with that many keys: legal, and slow to build. */
function bigConfigMaps(sizes: readonly number[]): string {
  return sizes
    .map((keys, index) => {
      const data = Array.from(
        { length: keys },
        (_, key) => `  k${key}: value-${key}-${'x'.repeat(40)}`,
      );
      return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big-${index}\ndata:\n${data.join('\n')}\n`;
    })
    .join('---\n');
}

/** `aliases` aliases of one 100 KB scalar: within the alias budget, 2,000 are about 200 MB once built. */
function memoryHog(aliases = 2000): string {
  const items = Array.from({ length: aliases }, () => '    - *big').join('\n');
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hog\n  annotations:\n    big: &big ${'x'.repeat(100_000)}\ndata:\n  list:\n${items}\n`;
}

/** The processes this one started (Linux /proc). */
function childProcesses(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        // The parent pid is the 4th field, after the name in parentheses.
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] === String(process.pid);
      } catch {
        return false;
      }
    });
}

function residentMb(pid: number): number {
  try {
    const kib = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kib ?? 0) / 1024;
  } catch {
    return 0;
  }
}

describe('BuildPool', () => {
  let temp: TempDir;
  const pools: BuildPool[] = [];
  const pool = (options: Partial<ConstructorParameters<typeof BuildPool>[0]> = {}) => {
    const created = new BuildPool({
      workers: 1,
      memoryLimitMb: 192,
      timeoutMs: 60_000,
      ...options,
    });
    pools.push(created);
    return created;
  };
  const request = (dir: string, fields: Partial<BuildRequest> = {}): BuildRequest => ({
    obj,
    dir: join(temp.path, dir),
    confinementRoot: temp.path,
    variables: undefined,
    strictSubstitutions: false,
    remoteBases: false,
    ...fields,
  });
  const failure = async (build: Promise<unknown>): Promise<Error> => {
    try {
      await build;
    } catch (error) {
      if (error instanceof Error) return error;
    }
    throw new Error('the build did not fail');
  };

  beforeAll(async () => {
    temp = await makeTempDir('build-pool');
    const files: Record<string, string> = {
      'ok/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  k: ${greeting}\n',
      'broken/cm.yaml': 'kind: [\n',
      'remote/kustomization.yaml': 'resources:\n- https://git.invalid/org/repo//base?ref=v1\n',
      'slow/cm.yaml': bigConfigMaps([5000, 5000]),
      'hog/cm.yaml': memoryHog(),
      'burst/cm.yaml': memoryHog(4000),
    };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(temp.path, path, '..'), { recursive: true });
      await writeFile(join(temp.path, path), content);
    }
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await temp.remove();
  });

  it('renders in a worker with the variables read on the main thread', async () => {
    const { objects, digest } = await pool().build(
      request('ok', { variables: new Map([['greeting', 'hello']]) }),
    );
    expect(digest).toBe(sha256Digest(Buffer.from(JSON.stringify(objects))));
    expect(objects).toHaveLength(1);
    expect(objects[0]?.data).toEqual({ k: 'hello' });
    expect(objects[0]?.metadata.labels).toMatchObject({
      'kustomize.toolkit.fluxcd.io/name': 'apps',
      'kustomize.toolkit.fluxcd.io/namespace': 'tenant',
    });
  });

  it('brings each build error back as its own type', async () => {
    const builds = pool();
    const broken = await failure(builds.build(request('broken')));
    expect(broken).toBeInstanceOf(KustomizeError);
    expect(broken.message).toContain('cm.yaml');
    const strict = await failure(
      builds.build(request('ok', { variables: new Map(), strictSubstitutions: true })),
    );
    expect(strict).toBeInstanceOf(SubstitutionError);
    expect(strict.message).toContain("variable 'greeting'");
    const remote = await failure(builds.build(request('remote')));
    expect(remote).toBeInstanceOf(RemoteResourcesOff);
    expect((remote as RemoteResourcesOff).address).toBe(
      'https://git.invalid/org/repo//base?ref=v1',
    );
    expect(builds.replaced).toBe(0);
  });

  it('stops a build past its time limit and replaces the worker', async () => {
    const workDir = join(temp.path, 'work');
    await mkdir(workDir);
    const builds = pool({ timeoutMs: 300, workDir });
    const error = await failure(builds.build(request('slow')));
    expect(error).toBeInstanceOf(BuildLimitError);
    expect((error as BuildLimitError).limit).toBe('time');
    expect(error.message).toBe(
      'build did not finish within the build time limit of 300ms (raise it with --build-timeout); its worker was stopped',
    );
    expect(builds.replaced).toBe(1);
    expect((await builds.build(request('ok'))).objects).toHaveLength(1);
    // Each worker's TMPDIR goes with it: the killed one's at once, the last one's on close.
    expect(await readdir(workDir)).toHaveLength(1);
    await builds.close();
    expect(await readdir(workDir)).toEqual([]);
  });

  it('stops a build past its memory limit and replaces the worker', async () => {
    const builds = pool({ memoryLimitMb: 160 });
    const error = await failure(builds.build(request('hog')));
    expect(error).toBeInstanceOf(BuildLimitError);
    expect((error as BuildLimitError).limit).toBe('memory');
    expect(error.message).toBe(
      'build ran out of memory: the build memory limit is 160 MiB (raise it with --build-memory-limit); its worker was stopped',
    );
    expect(builds.replaced).toBe(1);
    expect((await builds.build(request('ok'))).objects).toHaveLength(1);
  });

  it('holds the whole worker, not only its heap, under the memory limit', async () => {
    // Aliases of a large scalar allocate faster than V8 collects: under a heap limit alone
    // such a worker grew to 414 MiB resident with --max-old-space-size=192.
    const limitMb = 192;
    const builds = pool({ memoryLimitMb: limitMb });
    let peakMb = 0;
    const sampler = setInterval(() => {
      for (const pid of childProcesses()) peakMb = Math.max(peakMb, residentMb(pid));
    }, 5);
    try {
      const error = await failure(builds.build(request('burst')));
      expect((error as BuildLimitError).limit).toBe('memory');
    } finally {
      clearInterval(sampler);
    }
    process.stdout.write(`build-pool: burst worker peak ${Math.round(peakMb)} MiB of ${limitMb}\n`);
    // The watch reads every 20 ms; what a worker allocates in between is the slack.
    expect(peakMb).toBeLessThan(limitMb + 48);
  });

  it('ends a running build when its signal aborts, and a queued one before it starts', async () => {
    const builds = pool();
    await builds.build(request('ok'));
    const running = new AbortController();
    const slow = builds.build(request('slow', { signal: running.signal }));
    const queued = new AbortController();
    const waiting = builds.build(request('ok', { signal: queued.signal }));
    queued.abort(new Error('the controller is stopping'));
    expect((await failure(waiting)).message).toBe('the controller is stopping');
    setTimeout(() => {
      running.abort(new Error('artifact fetch and build did not finish within spec.timeout (1s)'));
    }, 200);
    const error = await failure(slow);
    expect(error.message).toBe(
      'artifact fetch and build did not finish within spec.timeout (1s); its worker was stopped',
    );
    expect(builds.replaced).toBe(1);
    expect((await builds.build(request('ok'))).objects).toHaveLength(1);
  });

  it('keeps the event loop turning while a long build runs', async () => {
    const builds = pool();
    await builds.build(request('ok'));
    let last = Date.now();
    let longestGap = 0;
    const ticker = setInterval(() => {
      const now = Date.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 20);
    const started = Date.now();
    try {
      expect((await builds.build(request('slow'))).objects).toHaveLength(2);
    } finally {
      clearInterval(ticker);
    }
    const took = Date.now() - started;
    // The build itself takes seconds of CPU; on the main thread it would be one long gap.
    expect(took).toBeGreaterThan(1000);
    expect(longestGap).toBeLessThan(Math.min(500, took / 2));
  });
});

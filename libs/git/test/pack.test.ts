import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { gitEnv, makeTempDir, startGitServer, type GitServer, type TempDir } from '@tide/harness';
import { fetchCommit, resolveReference } from '../src/index.js';

/**
 * Every object of a fetched pack, read in memory by PackReader, equals what the real git says
 * (`git cat-file --batch` on the server's repository) — base objects, OFS and REF deltas.
 */
describe('PackReader', () => {
  let server: GitServer;
  let temp: TempDir;
  beforeAll(async () => {
    server = await startGitServer();
    temp = await makeTempDir('pack');
  });
  afterAll(async () => {
    await server.stop();
    await temp.remove();
  });

  it.each([
    ['a shallow fetch of the tip', false],
    ['a pinned commit with history (deltas across commits)', true],
  ])('reads %s like git cat-file', async (_what, pinned) => {
    const name = pinned ? 'history' : 'tip';
    const similar = (n: number, v: number) =>
      `${'line of shared text\n'.repeat(200)}file ${n} version ${v}\n`;
    const files: Record<string, string> = {};
    for (let n = 0; n < 40; n++) files[`dir${n % 4}/f${n}.txt`] = similar(n, 0);
    const repo = await server.createRepository(name, { files });
    const first = await repo.head();
    for (let v = 1; v <= 3; v++) {
      const changes: Record<string, string> = {};
      for (let n = 0; n < 40; n += 3) changes[`dir${n % 4}/f${n}.txt`] = similar(n, v);
      await repo.commit(changes, `v${v}`);
    }
    const remote = { url: repo.url, timeoutMs: 10_000 };
    const resolved = await resolveReference(
      remote,
      pinned ? { branch: 'main', commit: first } : { branch: 'main' },
    );
    const { store } = await fetchCommit(remote, resolved);
    // The server must have sent deltas, or this would not test delta resolution.
    expect(store.packStats().deltas).toBeGreaterThan(0);
    const oids = [...store.oids()];
    expect(oids.length).toBeGreaterThan(40);
    const expected = await catFile(repo.bareDir, oids, temp.path);
    for (const oid of oids) {
      const ours = await store.read(oid);
      const theirs = expected.get(oid);
      expect({ oid, type: ours.type, data: ours.data.toString('base64') }).toEqual({
        oid,
        type: theirs?.type,
        data: theirs?.data.toString('base64'),
      });
    }
  });
});

async function catFile(
  bareDir: string,
  oids: readonly string[],
  home: string,
): Promise<Map<string, { type: string; data: Buffer }>> {
  const out = await pipe(
    'git',
    ['-C', bareDir, 'cat-file', '--batch'],
    Buffer.from(`${oids.join('\n')}\n`),
    gitEnv(home),
  );
  const objects = new Map<string, { type: string; data: Buffer }>();
  let pos = 0;
  while (pos < out.length) {
    const newline = out.indexOf(0x0a, pos);
    const [oid = '', type = '', size = '0'] = out.toString('latin1', pos, newline).split(' ');
    const start = newline + 1;
    objects.set(oid, { type, data: out.subarray(start, start + Number(size)) });
    pos = start + Number(size) + 1;
  }
  return objects;
}

async function pipe(
  command: string,
  args: string[],
  input: Buffer,
  env?: NodeJS.ProcessEnv,
): Promise<Buffer> {
  const child = spawn(command, args, {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: env ?? process.env,
  });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stdin.end(input);
  const [code] = (await once(child, 'close')) as [number];
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}`);
  return Buffer.concat(chunks);
}

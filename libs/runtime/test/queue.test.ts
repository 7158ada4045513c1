import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ItemBackoff, TokenBucket, WorkQueue } from '../src/index.js';

// Pure logic: no control plane needed.
/**
 * Resolves with the next key, or 'nothing' if none arrives within `ms`. A get() that lost
 * the race stays pending on the queue, so it is kept and reused by the next call.
 */
const pendingGets = new WeakMap<WorkQueue, Promise<string | undefined>>();
async function nextWithin(queue: WorkQueue, ms: number): Promise<string> {
  const pending = pendingGets.get(queue) ?? queue.get();
  pendingGets.set(queue, pending);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => {
      resolve('nothing');
    }, ms);
  });
  const got = await Promise.race([pending.then((k) => k ?? 'shut down'), timeout]);
  clearTimeout(timer);
  if (got !== 'nothing') pendingGets.delete(queue);
  return got;
}

describe('WorkQueue', () => {
  let queue: WorkQueue;
  beforeEach(() => {
    queue = new WorkQueue({ minRetryDelayMs: 20, maxRetryDelayMs: 200 });
  });
  afterEach(() => {
    queue.shutDown();
  });

  it.each([
    { adds: ['a', 'a', 'a'], want: ['a'] },
    { adds: ['a', 'b', 'a', 'b'], want: ['a', 'b'] },
    { adds: ['ns/x', 'ns/y', 'other/x'], want: ['ns/x', 'ns/y', 'other/x'] },
  ])('de-duplicates waiting keys: $adds → $want', async ({ adds, want }) => {
    for (const key of adds) queue.add(key);
    expect(queue.length).toBe(want.length);
    const got: string[] = [];
    while (got.length < want.length) got.push(await nextWithin(queue, 50));
    expect(got).toEqual(want);
    expect(await nextWithin(queue, 30)).toBe('nothing');
  });

  it('never hands a key being processed to a second worker', async () => {
    queue.add('ns/a');
    const first = await nextWithin(queue, 50);
    expect(first).toBe('ns/a');
    queue.add('ns/a');
    queue.add('ns/a');
    expect(await nextWithin(queue, 50)).toBe('nothing');
    queue.done('ns/a');
    // The adds made while it was processed come back once, after done().
    expect(await nextWithin(queue, 50)).toBe('ns/a');
    queue.done('ns/a');
    expect(await nextWithin(queue, 30)).toBe('nothing');
  });

  it('lets other keys through while one is processed', async () => {
    queue.add('a');
    queue.add('b');
    expect(await nextWithin(queue, 50)).toBe('a');
    queue.add('a');
    expect(await nextWithin(queue, 50)).toBe('b');
  });

  it.each([
    { delayMs: 60, earlyMs: 30, lateMs: 80 },
    { delayMs: 120, earlyMs: 80, lateMs: 100 },
  ])(
    'holds a requeueAfter of $delayMs ms until it is due',
    async ({ delayMs, earlyMs, lateMs }) => {
      const started = Date.now();
      queue.addAfter('k', delayMs);
      expect(await nextWithin(queue, earlyMs)).toBe('nothing');
      expect(await nextWithin(queue, lateMs)).toBe('k');
      expect(Date.now() - started).toBeGreaterThanOrEqual(delayMs - 5);
    },
  );

  it('keeps the earlier of two requeueAfters and drops a cancelled one', async () => {
    queue.addAfter('k', 40);
    queue.addAfter('k', 1_000);
    expect(await nextWithin(queue, 120)).toBe('k');
    queue.done('k');
    queue.addAfter('k', 30);
    queue.cancelDelayed('k');
    expect(await nextWithin(queue, 80)).toBe('nothing');
  });

  it('retries a failed key after its backoff, growing per failure', async () => {
    expect(queue.addRateLimited('k')).toBe(20);
    expect(await nextWithin(queue, 10)).toBe('nothing');
    expect(await nextWithin(queue, 50)).toBe('k');
    queue.done('k');
    expect(queue.addRateLimited('k')).toBe(40);
    queue.forget('k');
    expect(queue.addRateLimited('k')).toBe(20);
  });

  it('answers undefined to waiting workers on shutdown', async () => {
    expect(await nextWithin(queue, 10)).toBe('nothing');
    queue.shutDown();
    expect(await nextWithin(queue, 10)).toBe('shut down');
    queue.add('late');
    expect(queue.length).toBe(0);
  });
});

describe('ItemBackoff', () => {
  it.each([
    { failures: 1, want: 750 },
    { failures: 2, want: 1_500 },
    { failures: 3, want: 3_000 },
    { failures: 5, want: 12_000 },
    { failures: 10, want: 384_000 },
    { failures: 11, want: 768_000 },
    { failures: 12, want: 900_000 },
    { failures: 200, want: 900_000 },
  ])('Flux defaults: failure $failures waits $want ms', ({ failures, want }) => {
    const backoff = new ItemBackoff(750, 15 * 60_000);
    let delay = 0;
    for (let i = 0; i < failures; i++) delay = backoff.next('ns/name');
    expect(delay).toBe(want);
    expect(backoff.next('other')).toBe(750);
  });
});

describe('TokenBucket', () => {
  it.each([
    { qps: 10, burst: 3, takes: 3, want: 0 },
    { qps: 10, burst: 3, takes: 4, want: 100 },
    { qps: 10, burst: 3, takes: 5, want: 200 },
    { qps: 1, burst: 1, takes: 2, want: 1_000 },
  ])('qps $qps burst $burst: take #$takes waits $want ms', ({ qps, burst, takes, want }) => {
    const now = 1_000_000;
    const bucket = new TokenBucket(qps, burst, () => now);
    let wait = 0;
    for (let i = 0; i < takes; i++) wait = bucket.reserve();
    expect(wait).toBe(want);
  });

  it('refills over time', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 1, () => now);
    expect(bucket.reserve()).toBe(0);
    now += 100;
    expect(bucket.reserve()).toBe(0);
  });
});

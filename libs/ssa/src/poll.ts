import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly signal?: AbortSignal;
}

/** Why a poll ended without its answer. */
export type PollEnd = 'timeout' | 'aborted';

/**
 * Calls `check` until it returns a value, the timeout passes or the signal aborts; the
 * answer is the value or why there is none. The sleep between checks wakes up on abort.
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  options: PollOptions,
): Promise<{ value: T } | { end: PollEnd }> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (options.signal?.aborted === true) return { end: 'aborted' };
    const value = await check();
    if (value !== undefined) return { value };
    const left = deadline - Date.now();
    if (left <= 0) return { end: 'timeout' };
    try {
      await sleep(Math.min(options.intervalMs, left), undefined, {
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch {
      return { end: 'aborted' };
    }
  }
}

/** Runs `task` over `items` with at most `limit` at a time; results keep the input order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<(PromiseSettledResult<R> & { readonly item: T })[]> {
  const results = new Array<PromiseSettledResult<R> & { readonly item: T }>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      const item = items[index] as T;
      try {
        results[index] = { item, status: 'fulfilled', value: await task(item) };
      } catch (error) {
        results[index] = { item, status: 'rejected', reason: error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Like mapLimited, but resolves to the values and rejects with the first error. */
export async function mapAll<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = await mapLimited(items, limit, task);
  return results.map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  });
}

import { readFileSync } from 'node:fs';

/**
 * A build worker's memory, whole. V8's `--max-old-space-size` bounds only the old space, and
 * not strictly: a build allocating fast (large strings, big arrays) grows the heap well past
 * it before the collector runs and V8 gives up (measured: 414 MiB resident under a 192 MiB
 * heap limit), and the young generation, code and Node itself come on top. So the pool
 * gives each worker a heap smaller than its memory limit by `workerOverheadMb`, and while
 * a build runs it reads the worker's resident memory and stops the worker once it passes
 * the limit.
 */

/**
 * What a worker needs beside its V8 old space: Node and the engine's modules (88 MiB resident
 * when idle, 17 MiB of it heap) and the young generation.
 */
export const workerOverheadMb = 96;
/** The smallest old space a worker gets, whatever its memory limit. */
export const minimumWorkerHeapMb = 32;
/** How often a busy worker's resident memory is read. */
export const memoryWatchIntervalMs = 20;

/** The V8 old-space limit of a worker whose whole memory may be `memoryLimitMb`. */
export function workerHeapMb(memoryLimitMb: number): number {
  return Math.max(minimumWorkerHeapMb, memoryLimitMb - workerOverheadMb);
}

/**
 * The resident memory of process `pid` in MiB (VmRSS of /proc/<pid>/status); undefined where
 * there is no /proc (the heap limit alone applies there) or when the process is gone. A read
 * of procfs costs microseconds: it is done synchronously.
 */
export function residentMemoryMb(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  return kib === undefined ? undefined : Number(kib) / 1024;
}

import { isPlainObject } from './plain.js';

/**
 * Plain JSON as CEL sees a Kubernetes object: Go's decoder reads whole numbers as int64 and
 * the others as double, so `status.replicas + 1` and `x.generation == 2` are int arithmetic.
 * JavaScript numbers are all doubles, hence whole numbers become bigints here.
 */
export function celValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(celValue);
  if (isPlainObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) result[key] = celValue(entry);
    return result;
  }
  return value;
}

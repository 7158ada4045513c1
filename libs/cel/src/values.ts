import { isPlainObject } from './plain.js';

/**
 * Plain JSON as CEL sees a Kubernetes object: Go's decoder reads whole numbers as int64 and
 * the others as double, so `status.replicas + 1` and `x.generation == 2` are int arithmetic.
 * JavaScript numbers are all doubles, hence whole numbers become bigints here. Objects become
 * Maps, so every key of the input (`__proto__`, `constructor`) is a map key and nothing else:
 * cel-js reads a plain object's `constructor` to learn its type.
 */
export function celValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(celValue);
  if (isPlainObject(value)) return celMap(value);
  return value;
}

/** An object's own enumerable entries as a CEL map. */
export function celMap(value: Readonly<Record<string, unknown>>): Map<string, unknown> {
  const result = new Map<string, unknown>();
  for (const [key, entry] of Object.entries(value)) result.set(key, celValue(entry));
  return result;
}

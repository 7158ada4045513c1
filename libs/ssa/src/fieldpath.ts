import { deepEqual } from './normalize.js';
import { isPlainObject } from '@tide/kube';

/**
 * One step of a field path as the API server prints it in apply conflicts:
 * `.spec.template.spec.containers[name="web"].image`, `.metadata.labels.app`,
 * `.spec.ports[port=80,protocol="TCP"].targetPort`, `.spec.finalizers[="x"]`, `.items[0]`.
 */
type Step =
  | { readonly field: string }
  | { readonly keys: Readonly<Record<string, unknown>> }
  | { readonly value: unknown }
  | { readonly index: number };

export function parseFieldPath(path: string): Step[] {
  const steps: Step[] = [];
  let at = 0;
  while (at < path.length) {
    if (path[at] === '.') {
      let end = at + 1;
      while (end < path.length && path[end] !== '.' && path[end] !== '[') end++;
      steps.push({ field: path.slice(at + 1, end) });
      at = end;
    } else if (path[at] === '[') {
      const end = closingBracket(path, at);
      steps.push(parseSelector(path.slice(at + 1, end)));
      at = end + 1;
    } else {
      throw new TypeError(`cannot read field path ${path} at offset ${at}`);
    }
  }
  return steps;
}

/** Removes the value a field path points at; false when the path leads nowhere. */
export function removeFieldPath(root: unknown, path: string): boolean {
  const steps = parseFieldPath(path);
  const last = steps.pop();
  if (last === undefined) return false;
  let node: unknown = root;
  for (const step of steps) {
    node = childOf(node, step);
    if (node === undefined) return false;
  }
  if ('field' in last) {
    if (!isPlainObject(node) || !(last.field in node)) return false;
    Reflect.deleteProperty(node, last.field);
    return true;
  }
  if (!Array.isArray(node)) return false;
  const index = node.findIndex((item, i) => matches(item, i, last));
  if (index < 0) return false;
  node.splice(index, 1);
  return true;
}

function childOf(node: unknown, step: Step): unknown {
  if ('field' in step) return isPlainObject(node) ? node[step.field] : undefined;
  if (!Array.isArray(node)) return undefined;
  return node.find((item, i) => matches(item, i, step));
}

function matches(item: unknown, index: number, step: Step): boolean {
  if ('index' in step) return index === step.index;
  if ('value' in step) return deepEqual(item, step.value);
  if ('keys' in step)
    return (
      isPlainObject(item) && Object.entries(step.keys).every(([k, v]) => deepEqual(item[k], v))
    );
  return false;
}

function closingBracket(path: string, open: number): number {
  let inString = false;
  for (let at = open + 1; at < path.length; at++) {
    const char = path[at];
    if (inString) {
      if (char === '\\') at++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === ']') return at;
  }
  throw new TypeError(`unclosed [ in field path ${path}`);
}

function parseSelector(body: string): Step {
  if (/^\d+$/.test(body)) return { index: Number(body) };
  if (body.startsWith('=')) return { value: JSON.parse(body.slice(1)) as unknown };
  const keys: Record<string, unknown> = {};
  for (const pair of splitPairs(body)) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw new TypeError(`cannot read list selector [${body}]`);
    keys[pair.slice(0, eq)] = JSON.parse(pair.slice(eq + 1)) as unknown;
  }
  return { keys };
}

/** Splits `a="x,y",b=1` on the commas outside strings. */
function splitPairs(body: string): string[] {
  const pairs: string[] = [];
  let start = 0;
  let inString = false;
  for (let at = 0; at < body.length; at++) {
    const char = body[at];
    if (inString) {
      if (char === '\\') at++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === ',') {
      pairs.push(body.slice(start, at));
      start = at + 1;
    }
  }
  pairs.push(body.slice(start));
  return pairs;
}

/**
 * Where a path leads on the real filesystem, read as the kernel reads it: shared by every
 * writer and reader of an untrusted tree (archive extraction, tarball creation, Git checkouts)
 * that must know whether a link leaves its root.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, relative, sep } from 'node:path';

/** How many links one path may pass through, as Linux's ELOOP limit. */
export const maxLinkHops = 40;

/**
 * Where `path` (relative to `root`) leads: each component looked up with lstat and each
 * link's text spliced in, `..` taken from the physical parent. Components that do not exist
 * are kept as written (the kernel would fail there; keeping them is the stricter reading).
 * Undefined after more than `maxLinkHops` links, where the kernel answers ELOOP.
 */
export function physicalPath(root: string, path: string): string | undefined {
  const pending = path.split('/').reverse();
  let current = root;
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.pop() ?? '';
    if (part === '' || part === '.') continue;
    if (part === '..') {
      current = dirname(current);
      continue;
    }
    const next = join(current, part);
    if (!isSymbolicLink(next)) {
      current = next;
      continue;
    }
    if (++hops > maxLinkHops) return undefined;
    const link = readlinkSync(next, 'utf8');
    if (posix.isAbsolute(link)) current = '/';
    pending.push(...link.split('/').reverse());
  }
  return current;
}

/** Whether `path` is `root` or below it. */
export function isInsideRoot(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function isSymbolicLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

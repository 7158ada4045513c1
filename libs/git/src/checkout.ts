/**
 * Writing a commit's tree to disk without trusting it: every parent directory is created by
 * us and checked with lstat (never written through a symlink), files are created exclusively,
 * symlink targets must be relative and stay inside the checkout, and once everything is
 * written each link is resolved against the real filesystem, component by component, the way
 * the kernel resolves it, so a chain of links that each look inside cannot escape together.
 */
import type { Stats } from 'node:fs';
import { lstat, mkdir, readlink, realpath, symlink, writeFile } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import { isInsideRoot, maxLinkHops, physicalPath } from '@tide/artifact';
import type { GitObjectStore, TreeFile } from './tree.js';

/** A tree refused because writing it would place or point something outside the checkout. */
export class UnsafeCheckoutError extends Error {
  override readonly name = 'UnsafeCheckoutError';
  constructor(
    readonly path: string,
    why: string,
  ) {
    super(`tree entry ${JSON.stringify(path)} ${why}`);
  }
}

/** How many links one path may pass through, as Linux's MAXSYMLINKS. */

/** Writes every file of `commit`'s tree under `root` (an empty directory). */
export async function checkoutTree(
  store: GitObjectStore,
  commit: string,
  root: string,
): Promise<void> {
  const realRoot = await realpath(root);
  const files = await store.listTree(commit);
  for (const file of files) await writeEntry(store, realRoot, file);
  for (const file of files) {
    if (file.type === 'symlink') await checkLinkInside(realRoot, file.path);
  }
}

async function writeEntry(store: GitObjectStore, root: string, file: TreeFile): Promise<void> {
  const parts = file.path.split('/');
  if (parts.some((part) => part === '' || part === '.' || part === '..')) {
    throw new UnsafeCheckoutError(file.path, 'is not a plain relative path');
  }
  let directory = root;
  for (const part of parts.slice(0, -1)) {
    directory = join(directory, part);
    await ensureRealDirectory(directory, file.path);
  }
  const target = join(directory, parts[parts.length - 1] ?? '');
  const bytes = await store.readBlob(file.oid);
  if (file.type === 'symlink') {
    const link = bytes.toString('utf8');
    checkLinkTarget(file.path, link);
    await symlink(link, target);
  } else {
    // `wx`: fails on anything already there, a symlink included, instead of following it.
    await writeFile(target, bytes, {
      mode: file.type === 'executable' ? 0o755 : 0o644,
      flag: 'wx',
    });
  }
}

/** Creates `directory` if missing; an existing one must be a real directory, not a link. */
async function ensureRealDirectory(directory: string, path: string): Promise<void> {
  let info: Stats | undefined;
  try {
    info = await lstat(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (info === undefined) {
    await mkdir(directory);
    return;
  }
  if (info.isSymbolicLink())
    throw new UnsafeCheckoutError(path, 'would be written through a symbolic link');
  if (!info.isDirectory()) throw new UnsafeCheckoutError(path, 'has a parent that is a file');
}

/** A link's own text: relative, and not leaving the checkout from where it stands. */
function checkLinkTarget(path: string, link: string): void {
  if (link === '' || link.includes('\0'))
    throw new UnsafeCheckoutError(path, 'is a symbolic link with an empty or NUL target');
  if (posix.isAbsolute(link) || isAbsolute(link))
    throw new UnsafeCheckoutError(path, `is a symbolic link to the absolute path ${link}`);
  const joined = posix.normalize(posix.join(posix.dirname(path), link));
  if (joined === '..' || joined.startsWith('../'))
    throw new UnsafeCheckoutError(path, `is a symbolic link to ${link}, outside the checkout`);
}

async function checkLinkInside(root: string, path: string): Promise<void> {
  const resolved = physicalPath(root, path);
  if (resolved === undefined)
    throw new UnsafeCheckoutError(path, `passes through more than ${maxLinkHops} links`);
  if (!isInsideRoot(root, resolved)) {
    const shown = await readlink(join(root, path)).catch(() => '?');
    throw new UnsafeCheckoutError(
      path,
      `is a symbolic link to ${shown}, which resolves outside the checkout`,
    );
  }
}

import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { IgnoreMatcher, sourceIgnoreFile, type IgnoreRules } from './ignore.js';
import type { TarEntry } from './tarball.js';

/**
 * Reads a directory into tarball entries, leaving out what the ignore rules exclude (the
 * defaults, every `.sourceignore` in the tree, and `spec.ignore`). Symlinks are kept as links.
 */
export async function collectDirectory(
  root: string,
  rules: Omit<IgnoreRules, 'sourceIgnoreFiles'> = {},
): Promise<TarEntry[]> {
  const paths = await walk(root, '');
  const sourceIgnoreFiles = new Map<string, string>();
  for (const path of paths.files) {
    if (path === sourceIgnoreFile || path.endsWith(`/${sourceIgnoreFile}`)) {
      const dir = path.slice(0, Math.max(0, path.length - sourceIgnoreFile.length - 1));
      sourceIgnoreFiles.set(dir, await readFile(join(root, path), 'utf8'));
    }
  }
  const matcher = new IgnoreMatcher({ ...rules, sourceIgnoreFiles });
  const entries: TarEntry[] = [];
  for (const path of paths.files) {
    if (matcher.excludes(path)) continue;
    const full = join(root, path);
    const info = await lstat(full);
    if (info.isSymbolicLink()) {
      entries.push({ path, type: 'symlink', target: await readlink(full) });
    } else {
      entries.push({
        path,
        type: 'file',
        content: await readFile(full),
        executable: (info.mode & 0o111) !== 0,
      });
    }
  }
  return entries;
}

async function walk(root: string, prefix: string): Promise<{ files: string[] }> {
  const files: string[] = [];
  const entries = await readdir(join(root, prefix), { withFileTypes: true });
  for (const entry of entries) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) {
      if (path === '.git') continue;
      files.push(...(await walk(root, path)).files);
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      files.push(path);
    }
  }
  return { files };
}

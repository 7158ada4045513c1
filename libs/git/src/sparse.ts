/**
 * `spec.sparseCheckout`: the directories of a commit that go into the artifact. As in Flux,
 * each entry names a directory (or a file) by its path from the repository root, with no
 * patterns and no cone-mode extras: files at the root are kept only when listed, and a listed
 * path that the commit does not have fails the fetch. A leading `/` or `./` and a trailing `/`
 * are accepted and dropped; a path stepping out with `..` can never match and is refused.
 */
import { GitError } from './errors.js';

/** The paths of `spec.sparseCheckout`, normalised; `[]` when every path is wanted. */
export function normalizeSparseCheckout(paths: readonly string[] | undefined): string[] {
  const normalized: string[] = [];
  for (const raw of paths ?? []) {
    const trimmed = raw.replace(/^(\.?\/)+/, '').replace(/\/+$/, '');
    // `.` (like `/`) names the root: the whole tree.
    const path = trimmed === '.' ? '' : trimmed;
    const parts = path.split('/');
    if (raw.includes('\0') || raw.includes('\\') || parts.some((p) => p === '..' || p === '.')) {
      throw new GitError(
        'InvalidReference',
        `sparseCheckout path ${JSON.stringify(raw)} must be a plain directory path inside the repository`,
      );
    }
    if (path === '') return [];
    if (parts.includes('')) {
      throw new GitError(
        'InvalidReference',
        `sparseCheckout path ${JSON.stringify(raw)} has an empty path segment`,
      );
    }
    normalized.push(path);
  }
  return normalized;
}

/** A matcher for paths inside the sparse directories (`dirs` from normalizeSparseCheckout). */
export class SparseCheckout {
  constructor(readonly dirs: readonly string[]) {}

  /** Everything is wanted. */
  get full(): boolean {
    return this.dirs.length === 0;
  }

  /** The path lies at or under one of the directories. */
  includes(path: string): boolean {
    return this.full || this.dirs.some((dir) => path === dir || path.startsWith(`${dir}/`));
  }

  /** The path is wanted, or a wanted directory lies under it (a submodule holding one). */
  overlaps(path: string): boolean {
    return this.includes(path) || this.dirs.some((dir) => dir.startsWith(`${path}/`));
  }

  /**
   * Checks each directory names something the commit has (a file, a directory holding one,
   * or a submodule), the way Flux checks after checkout, with Flux's words.
   */
  requireExisting(paths: Iterable<string>): void {
    const missing = new Set(this.dirs);
    for (const path of paths) {
      for (const dir of missing) {
        if (path === dir || path.startsWith(`${dir}/`)) missing.delete(dir);
      }
      if (missing.size === 0) return;
    }
    const [first] = missing;
    if (first !== undefined) {
      throw new GitError(
        'NotFound',
        `failed to sparse checkout directories: sparse checkout dir '${first}' does not exist in repository`,
      );
    }
  }
}

/**
 * File access for a build, with kustomize's load restrictor: a kustomization may read files only
 * in or below its own directory (other kustomization directories may live anywhere).
 */
import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { KustomizeError } from './errors.js';

export type LoadRestrictor = 'rootOnly' | 'none';

/** Where one kustomization's files are read: its directory, through the build's loader. */
export interface KustomizationFiles {
  readonly loader: FileLoader;
  /** The directory of the kustomization; the files its fields name are relative to it. */
  readonly root: string;
  /** The kustomization file, as messages name it. */
  readonly origin: string;
}

export class FileLoader {
  constructor(private readonly restrictor: LoadRestrictor) {}

  /** Resolves a path against a kustomization root, following symlinks. */
  realPath(root: string, path: string): string {
    const absolute = resolve(root, path);
    try {
      return realpathSync(absolute);
    } catch {
      throw new KustomizeError(`${absolute}: no such file or directory`);
    }
  }

  isDirectory(path: string): boolean {
    return statSync(path).isDirectory();
  }

  /** Reads a file that must lie in or below root. */
  readFile(root: string, path: string): string {
    return readFileSync(this.fileIn(root, path), 'utf8');
  }

  readBytes(root: string, path: string): Buffer {
    return readFileSync(this.fileIn(root, path));
  }

  /** The real path of a file that must lie in or below root. */
  private fileIn(root: string, path: string): string {
    const real = this.realPath(root, path);
    this.checkInRoot(root, real);
    if (this.isDirectory(real)) throw new KustomizeError(`${real}: is a directory, not a file`);
    return real;
  }

  /** Regular files directly in a directory, sorted by name. */
  listFiles(root: string, path: string): string[] {
    const real = this.realPath(root, path);
    this.checkInRoot(root, real);
    return readdirSync(real, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(real, entry.name))
      .sort();
  }

  checkInRoot(root: string, real: string): void {
    if (this.restrictor === 'none') return;
    const realRoot = realpathSync(root);
    const rel = relative(realRoot, real);
    if (rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep))) return;
    throw new KustomizeError(`security; file '${real}' is not in or below '${realRoot}'`);
  }
}

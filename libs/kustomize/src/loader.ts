/**
 * File access for a build, with kustomize's load restrictor: a kustomization may read files only
 * in or below its own directory (other kustomization directories may live anywhere). A build
 * may also have a confinement root (Flux builds an artifact with one): then no directory or
 * file it reads, kustomizations included, may resolve outside that root or the remote
 * checkouts the build fetched. Paths are resolved with the kernel's realpath, so what is
 * checked is what the kernel opens.
 */
import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { KustomizeError, OutsideBuildRoot } from './errors.js';

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
  /** Real paths a confined build may read under; empty when the build is not confined. */
  private readonly allowed: string[] = [];
  private readonly confinementRoot: string | undefined;

  constructor(
    private readonly restrictor: LoadRestrictor,
    /** The directory every path of the build must resolve into; undefined: anywhere. */
    confinementRoot?: string,
  ) {
    if (confinementRoot === undefined) return;
    this.confinementRoot = kernelRealPath(resolve(confinementRoot));
    this.allowed.push(this.confinementRoot);
  }

  /** Lets a confined build read a remote checkout it fetched. */
  allowCheckout(checkout: string): void {
    if (this.confinementRoot === undefined) return;
    const real = kernelRealPath(checkout);
    if (!this.allowed.includes(real)) this.allowed.push(real);
  }

  /** Resolves a path against a kustomization root, following symlinks, inside the confinement. */
  realPath(root: string, path: string): string {
    const real = kernelRealPath(resolve(root, path));
    this.checkConfined(real);
    return real;
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

  /** Reads a file anywhere inside the confinement (a kustomization file, say). */
  readConfined(path: string): string {
    const real = this.realPath(path, '.');
    if (this.isDirectory(real)) throw new KustomizeError(`${real}: is a directory, not a file`);
    return readFileSync(real, 'utf8');
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
    const realRoot = kernelRealPath(root);
    if (isWithin(realRoot, real)) return;
    throw new KustomizeError(`security; file '${real}' is not in or below '${realRoot}'`);
  }

  /** Refuses a real path outside the confinement root (and the fetched checkouts). */
  checkConfined(real: string): void {
    if (this.confinementRoot === undefined) return;
    if (this.allowed.some((allowed) => isWithin(allowed, real))) return;
    throw new OutsideBuildRoot(real, this.confinementRoot);
  }
}

/** The kernel's resolution of a path (realpath(3)), not Node's JavaScript re-implementation. */
function kernelRealPath(absolute: string): string {
  try {
    return realpathSync.native(absolute);
  } catch {
    throw new KustomizeError(`${absolute}: no such file or directory`);
  }
}

function isWithin(root: string, real: string): boolean {
  const rel = relative(root, real);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
}

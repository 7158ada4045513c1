import { PackReader, type GitObject, type PackLimits } from './pack.js';

/** A file of a commit's tree. */
export interface TreeFile {
  /** Relative, `/`-separated. */
  readonly path: string;
  readonly type: 'file' | 'executable' | 'symlink';
  readonly oid: string;
}

/** A submodule entry (mode 160000) of a commit's tree: where it sits and the commit it pins. */
export interface Gitlink {
  /** Relative, `/`-separated. */
  readonly path: string;
  readonly commit: string;
}

/** The objects of a fetch, in memory: what a commit's tree holds, read without a checkout. */
export class GitObjectStore {
  constructor(private readonly pack: PackReader) {}

  static fromPack(pack: Buffer, limits: PackLimits = {}): GitObjectStore {
    return new GitObjectStore(PackReader.parse(pack, limits));
  }

  has(oid: string): boolean {
    return this.pack.has(oid);
  }

  /** Objects fetched, and how many of them came as deltas. */
  packStats(): { objects: number; deltas: number } {
    return { objects: this.pack.size, deltas: this.pack.deltas };
  }

  /** Every object id the fetch brought. */
  oids(): IterableIterator<string> {
    return this.pack.oids();
  }

  read(oid: string): Promise<GitObject> {
    const object = this.pack.read(oid);
    if (object === undefined)
      return Promise.reject(new Error(`object ${oid} is not in the fetched pack`));
    return Promise.resolve(object);
  }

  /** Every file of a commit's tree (submodule entries are left out), depth first. */
  async listTree(commit: string): Promise<TreeFile[]> {
    return (await this.walkTree(commit)).files;
  }

  /** Every file and every submodule entry of a commit's tree, depth first. */
  async walkTree(commit: string): Promise<{ files: TreeFile[]; gitlinks: Gitlink[] }> {
    const files: TreeFile[] = [];
    const gitlinks: Gitlink[] = [];
    const visit = async (oid: string, prefix: string): Promise<void> => {
      for (const entry of parseTree((await this.expect(oid, 'tree')).data, oid)) {
        const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
        if (entry.mode === '40000') await visit(entry.oid, path);
        else if (entry.mode === '160000') gitlinks.push({ path, commit: entry.oid });
        else if (entry.mode === '120000') files.push({ path, type: 'symlink', oid: entry.oid });
        else if (entry.mode === '100755') files.push({ path, type: 'executable', oid: entry.oid });
        else if (entry.mode.startsWith('100')) files.push({ path, type: 'file', oid: entry.oid });
      }
    };
    await visit(await this.treeOf(commit), '');
    return { files, gitlinks };
  }

  /** Bytes of every object held, inflated: what this fetch costs in memory. */
  inflatedBytes(): number {
    let total = 0;
    for (const oid of this.pack.oids()) total += this.pack.read(oid)?.data.length ?? 0;
    return total;
  }

  /** The bytes of a blob. */
  async readBlob(oid: string): Promise<Buffer> {
    return (await this.expect(oid, 'blob')).data;
  }

  /** The first line of a commit's message (Flux puts it in the "stored artifact" event). */
  async commitSubject(commit: string): Promise<string> {
    const text = (await this.expect(commit, 'commit')).data.toString('utf8');
    const message = text.slice(text.indexOf('\n\n') + 2);
    return message.split('\n')[0]?.trim() ?? '';
  }

  private async treeOf(commit: string): Promise<string> {
    const text = (await this.expect(commit, 'commit')).data.toString('latin1');
    const tree = /^tree ([0-9a-f]{40})$/m.exec(text)?.[1];
    if (tree === undefined) throw new Error(`commit ${commit} has no tree`);
    return tree;
  }

  private async expect(oid: string, type: GitObject['type']): Promise<GitObject> {
    const object = await this.read(oid);
    if (object.type !== type) throw new Error(`object ${oid} is a ${object.type}, not a ${type}`);
    return object;
  }
}

/** A tree object `git fsck` would refuse: checkouts must never see its entries. */
export class InvalidTreeError extends Error {
  override readonly name = 'InvalidTreeError';
  constructor(
    readonly tree: string,
    readonly entry: string,
    why: string,
  ) {
    super(`tree ${tree}: entry ${JSON.stringify(entry)} ${why}`);
  }
}

/** The modes `git fsck` accepts (plus the old group-writable file mode it tolerates). */
const validModes = new Set(['100644', '100755', '100664', '120000', '40000', '160000']);

/**
 * Tree entries: `<mode> <name>\0<20-byte oid>`, repeated. Each entry is checked as `git fsck`
 * checks it: a known mode, a non-empty name without `/` or NUL, not `.`, `..` or `.git`
 * (in any case, nor an NTFS or HFS+ spelling of it), and no name twice.
 */
export function parseTree(data: Buffer, oid = '(unnamed)'): TreeEntry[] {
  const entries: TreeEntry[] = [];
  const seen = new Set<string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const nul = space < 0 ? -1 : data.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 21 > data.length)
      throw new InvalidTreeError(oid, data.toString('latin1', pos, pos + 64), 'is truncated');
    const mode = data.toString('latin1', pos, space);
    const nameBytes = data.subarray(space + 1, nul);
    const name = nameBytes.toString('utf8');
    if (!validModes.has(mode)) throw new InvalidTreeError(oid, name, `has bad mode ${mode}`);
    checkEntryName(oid, name, nameBytes);
    if (seen.has(name)) throw new InvalidTreeError(oid, name, 'appears twice');
    seen.add(name);
    entries.push({ mode, name, oid: data.toString('hex', nul + 1, nul + 21) });
    pos = nul + 21;
  }
  return entries;
}

export interface TreeEntry {
  readonly mode: string;
  readonly name: string;
  readonly oid: string;
}

function checkEntryName(oid: string, name: string, bytes: Buffer): void {
  if (bytes.length === 0) throw new InvalidTreeError(oid, name, 'has an empty name');
  if (bytes.includes(0x2f)) throw new InvalidTreeError(oid, name, "contains '/'");
  if (name === '.' || name === '..') throw new InvalidTreeError(oid, name, 'is a path step');
  if (isDotGit(name)) throw new InvalidTreeError(oid, name, 'names the .git directory');
}

/**
 * `.git` as Windows or macOS would read it: any case, trailing dots or spaces (NTFS), the
 * 8.3 short name `git~1`, a `:stream` suffix, or HFS+-ignored code points anywhere.
 */
export function isDotGit(name: string): boolean {
  // HFS+ ignores these zero-width and direction characters when comparing names.
  const hfs = name.replace(/[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g, '');
  const lower = hfs.toLowerCase();
  if (lower === '.git') return true;
  const ntfs = lower.replace(/:.*$/, '').replace(/[. ]+$/, '');
  return ntfs === '.git' || ntfs === 'git~1';
}

import { PackReader, type GitObject } from './pack.js';

/** A file of a commit's tree. */
export interface TreeFile {
  /** Relative, `/`-separated. */
  readonly path: string;
  readonly type: 'file' | 'executable' | 'symlink';
  readonly oid: string;
}

/** The objects of a fetch, in memory: what a commit's tree holds, read without a checkout. */
export class GitObjectStore {
  constructor(private readonly pack: PackReader) {}

  static fromPack(pack: Buffer): GitObjectStore {
    return new GitObjectStore(PackReader.parse(pack));
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
    const files: TreeFile[] = [];
    const visit = async (oid: string, prefix: string): Promise<void> => {
      for (const entry of parseTree((await this.expect(oid, 'tree')).data)) {
        const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
        if (entry.mode === '40000') await visit(entry.oid, path);
        else if (entry.mode === '120000') files.push({ path, type: 'symlink', oid: entry.oid });
        else if (entry.mode === '100755') files.push({ path, type: 'executable', oid: entry.oid });
        else if (entry.mode.startsWith('100')) files.push({ path, type: 'file', oid: entry.oid });
      }
    };
    await visit(await this.treeOf(commit), '');
    return files;
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

/** Tree entries: `<mode> <name>\0<20-byte oid>`, repeated. */
function parseTree(data: Buffer): { mode: string; name: string; oid: string }[] {
  const entries: { mode: string; name: string; oid: string }[] = [];
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const nul = data.indexOf(0, space);
    entries.push({
      mode: data.toString('latin1', pos, space),
      name: data.toString('utf8', space + 1, nul),
      oid: data.toString('hex', nul + 1, nul + 21),
    });
    pos = nul + 21;
  }
  return entries;
}

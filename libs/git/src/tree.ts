import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { PackReader, type GitObject } from './pack.js';

/** A file of a commit's tree. */
export interface TreeFile {
  /** Relative, `/`-separated. */
  readonly path: string;
  readonly type: 'file' | 'executable' | 'symlink';
  readonly oid: string;
}

/** The objects of a fetched repository: from its packs in memory, or stored loose. */
export class GitObjectStore {
  private constructor(
    private readonly gitdir: string,
    private readonly packs: PackReader,
  ) {}

  static async open(gitdir: string): Promise<GitObjectStore> {
    return new GitObjectStore(gitdir, await PackReader.open(gitdir));
  }

  async read(oid: string): Promise<GitObject> {
    const packed = this.packs.read(oid);
    if (packed !== undefined) return packed;
    return readLooseObject(this.gitdir, oid);
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

/** A loose object: zlib of `<type> <size>\0<data>` at objects/<2 hex>/<38 hex>. */
async function readLooseObject(gitdir: string, oid: string): Promise<GitObject> {
  const raw = inflateSync(await readFile(join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2))));
  const nul = raw.indexOf(0);
  const type = raw.toString('latin1', 0, raw.indexOf(0x20));
  if (type !== 'commit' && type !== 'tree' && type !== 'blob' && type !== 'tag') {
    throw new Error(`object ${oid} has unknown type ${JSON.stringify(type)}`);
  }
  return { type, data: raw.subarray(nul + 1) };
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

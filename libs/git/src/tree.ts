import fs from 'node:fs';
import git from 'isomorphic-git';

/** A file of a commit's tree. */
export interface TreeFile {
  /** Relative, `/`-separated. */
  readonly path: string;
  readonly type: 'file' | 'executable' | 'symlink';
  readonly oid: string;
}

/** Every file of a commit's tree (submodule entries are left out), depth first. */
export async function listTree(gitdir: string, commit: string): Promise<TreeFile[]> {
  const { commit: object } = await git.readCommit({ fs, gitdir, oid: commit });
  const files: TreeFile[] = [];
  const cache = {};
  const visit = async (oid: string, prefix: string): Promise<void> => {
    const { tree } = await git.readTree({ fs, gitdir, oid, cache });
    for (const entry of tree) {
      const path = prefix === '' ? entry.path : `${prefix}/${entry.path}`;
      if (entry.type === 'tree') await visit(entry.oid, path);
      else if (entry.type === 'blob') {
        const type =
          entry.mode === '120000' ? 'symlink' : entry.mode === '100755' ? 'executable' : 'file';
        files.push({ path, type, oid: entry.oid });
      }
    }
  };
  await visit(object.tree, '');
  return files;
}

/** The bytes of a blob. */
export async function readBlob(
  gitdir: string,
  oid: string,
  cache: object = {},
): Promise<Uint8Array> {
  const { blob } = await git.readBlob({ fs, gitdir, oid, cache });
  return blob;
}

/** The first line of a commit's message (Flux puts it in the "stored artifact" event). */
export async function commitSubject(gitdir: string, commit: string): Promise<string> {
  const { commit: object } = await git.readCommit({ fs, gitdir, oid: commit });
  return object.message.split('\n')[0]?.trim() ?? '';
}

import { readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { isInsideRoot, maxLinkHops, physicalPath } from './paths.js';

type TableNode = { readonly kind: 'symlink'; readonly target: string } | { readonly kind: 'other' };

/**
 * The tree an archive will create, as far as links go: each path's final entry (a later entry
 * replaces an earlier one, as extraction does). Links are resolved against it the way the
 * kernel resolves them once the tree exists: component by component, a link's text spliced
 * in where it stands, `..` taken from where the walk physically is. So a chain of relative
 * links that each look inside but together climb out is seen before anything is written.
 */
export class LinkTable {
  private readonly nodes = new Map<string, TableNode>();
  private readonly hardlinks: { path: string; target: string }[] = [];

  /** Records an entry; returns why it is refused on its own, if it is. */
  add(path: string, type: string, linkpath: string | undefined): string | undefined {
    const parts = splitPath(path);
    if (parts === undefined) return undefined; // refused elsewhere (absolute or `..`)
    const key = parts.join('/');
    if (type === 'SymbolicLink') {
      const target = linkpath ?? '';
      if (target.startsWith('/') || /^[a-zA-Z]:/.test(target))
        return `link to ${target} leaves the target directory`;
      this.nodes.set(key, { kind: 'symlink', target });
    } else {
      this.nodes.set(key, { kind: 'other' });
      if (type === 'Link') this.hardlinks.push({ path: key, target: linkpath ?? '' });
    }
    return undefined;
  }

  /** Every way the finished tree would lead outside it, one message per entry. */
  problems(): string[] {
    const problems: string[] = [];
    for (const [path, node] of this.nodes) {
      const parents = this.throughLink(splitPath(path)?.slice(0, -1) ?? []);
      if (parents !== undefined)
        problems.push(`${path}: would be written through the symbolic link ${parents}`);
      if (node.kind !== 'symlink') continue;
      const from = (splitPath(path) ?? []).slice(0, -1);
      if (this.resolve([...from, ...node.target.split('/')]) === undefined)
        problems.push(`${path}: link to ${node.target} leaves the target directory`);
    }
    for (const { path, target } of this.hardlinks) {
      const parts = splitPath(target);
      if (parts === undefined || this.resolve(parts) === undefined) {
        problems.push(`${path}: link to ${target} leaves the target directory`);
        continue;
      }
      const via = this.throughLink(parts);
      if (via !== undefined)
        problems.push(`${path}: hard link to ${target} goes through the symbolic link ${via}`);
    }
    return problems;
  }

  /** The first prefix of `parts` (the whole included) that is a symlink, if any. */
  private throughLink(parts: readonly string[]): string | undefined {
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (this.nodes.get(prefix)?.kind === 'symlink') return prefix;
    }
    return undefined;
  }

  /** Resolves components from the root; undefined when the walk leaves the root. */
  private resolve(components: readonly string[]): string[] | undefined {
    const pending = [...components].reverse();
    const at: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.pop() ?? '';
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (at.length === 0) return undefined;
        at.pop();
        continue;
      }
      at.push(part);
      const node = this.nodes.get(at.join('/'));
      if (node?.kind !== 'symlink') continue;
      if (++hops > maxLinkHops || node.target.startsWith('/')) return undefined;
      at.pop();
      pending.push(...node.target.split('/').reverse());
    }
    return at;
  }
}

function splitPath(path: string): string[] | undefined {
  const parts = path
    .replace(/\\/g, '/')
    .split('/')
    .filter((part) => part !== '' && part !== '.');
  if (path.startsWith('/') || parts.includes('..')) return undefined;
  return parts;
}

/**
 * Every symlink under `root` (a physical path) that leads outside it on the real filesystem:
 * checked with the kernel's realpath (`fs.promises.realpath` is the native one) where the
 * target exists, else by walking the link with
 * lstat and readlink component by component.
 */
export async function escapingLinks(root: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) found.push(...(await escapingLinks(root, path)));
    else if (entry.isSymbolicLink() && !isInsideRoot(root, await physicalTarget(root, path)))
      found.push(path);
  }
  return found;
}

async function physicalTarget(root: string, path: string): Promise<string> {
  const real = await realpath(join(root, path)).catch(() => undefined);
  // A chain too long to follow counts as leaving the root.
  return real ?? physicalPath(root, path) ?? '/';
}

/**
 * `spec.recurseSubmodules`: the submodules of a commit, fetched and laid into its tree.
 *
 * Each gitlink (mode 160000 entry) is looked up by path in the `.gitmodules` of the tree that
 * holds it; its URL, when relative (`./x`, `../x`), is resolved against that tree's own
 * repository URL, as `git submodule` does. The pinned commit is fetched through the same
 * entry the GitRepository itself is fetched with (`fetchCommit`), so a transport added there
 * (SSH) serves submodules too. Nesting goes at most ten levels deep (git's and go-git's
 * default), and every download counts against the limits of the one GitRepository: its byte
 * budget, its inflated-bytes budget and its timeout.
 *
 * Credentials: Flux (go-git) hands the clone's credentials to every submodule, whatever host
 * its URL names. Tide sends the `secretRef` credentials (and its CA) only to submodules on
 * the GitRepository's own origin (scheme, host and port); any other URL is fetched
 * anonymously, so a `.gitmodules` line cannot send a token to a host of its author's choosing.
 *
 * Hostile `.gitmodules` files are refused, as `git fsck` refuses them: a symbolic link, a
 * name or path that climbs out (`..`) or is absolute, a path through `.git`, an option-like
 * path or URL, and URLs other than http(s) or relative ones (no `file://`, no `ext::`).
 */
import { GitError, redactUrl } from './errors.js';
import { defaultPackLimits } from './pack.js';
import {
  checkUrl,
  type FetchResult,
  type RemoteOptions,
  type ResolvedReference,
} from './repository.js';
import { SparseCheckout, normalizeSparseCheckout } from './sparse.js';
import { isDotGit, type GitObjectStore, type TreeFile } from './tree.js';

/** One `[submodule "name"]` section of a `.gitmodules` file. */
export interface Submodule {
  readonly name: string;
  readonly path?: string;
  readonly url?: string;
  readonly branch?: string;
}

/** A `.gitmodules` file that cannot be read, or one that must not be used. */
export class GitmodulesError extends Error {
  override readonly name = 'GitmodulesError';
}

/** git's default and go-git's `DefaultSubmoduleRecursionDepth`. */
export const maxSubmoduleDepth = 10;
/** Submodules one GitRepository may fetch, nested ones included. */
export const maxSubmodules = 100;

/** Parses a `.gitmodules` file (git config syntax) into its submodule sections, in order. */
export function parseGitmodules(text: string): Submodule[] {
  const byName = new Map<string, { name: string; path?: string; url?: string; branch?: string }>();
  for (const entry of parseConfig(text)) {
    if (entry.section !== 'submodule' || entry.subsection === undefined) continue;
    let submodule = byName.get(entry.subsection);
    if (submodule === undefined) {
      submodule = { name: entry.subsection };
      byName.set(entry.subsection, submodule);
    }
    // A key given twice takes its last value, as `git config --get` reads it.
    if (entry.value === undefined) continue;
    if (entry.key === 'path') submodule.path = entry.value;
    else if (entry.key === 'url') submodule.url = entry.value;
    else if (entry.key === 'branch') submodule.branch = entry.value;
  }
  return [...byName.values()];
}

/** Refuses names and paths `git fsck` refuses (gitmodulesName, gitmodulesPath). */
export function checkSubmodule(submodule: Submodule): void {
  const what = `submodule ${JSON.stringify(submodule.name)}`;
  const steps = submodule.name.split(/[/\\]/);
  if (submodule.name === '' || steps.includes('..')) {
    throw new GitmodulesError(`${what}: the name may not be empty or contain a '..' step`);
  }
  const path = submodule.path;
  if (path === undefined) return;
  if (path === '' || path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\')) {
    throw new GitmodulesError(`${what}: path ${JSON.stringify(path)} is not a relative path`);
  }
  if (path.startsWith('-')) {
    throw new GitmodulesError(`${what}: path ${JSON.stringify(path)} looks like an option`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f]/.test(path)) {
    throw new GitmodulesError(`${what}: path ${JSON.stringify(path)} has a control character`);
  }
  for (const part of path.replace(/\/+$/, '').split('/')) {
    if (part === '' || part === '.' || part === '..') {
      throw new GitmodulesError(
        `${what}: path ${JSON.stringify(path)} leaves the repository or is not a plain path`,
      );
    }
    if (isDotGit(part)) {
      throw new GitmodulesError(`${what}: path ${JSON.stringify(path)} goes through .git`);
    }
  }
}

/**
 * The URL a submodule is fetched from: a relative one (`./x`, `../x`) against the URL of the
 * repository whose tree holds the gitlink, as git resolves it; any other must be an http(s)
 * URL (`checkUrl` is the one gate, the parent's).
 */
export function resolveSubmoduleUrl(url: string, parentUrl: string): string {
  // eslint-disable-next-line no-control-regex
  if (url.startsWith('-') || /[\x00-\x1f]/.test(url)) {
    throw new GitmodulesError(
      `URL ${JSON.stringify(redactUrl(url))} looks like an option or has a control character`,
    );
  }
  let resolved = url;
  if (url.startsWith('./') || url.startsWith('../')) {
    const base = new URL(parentUrl);
    const depth = base.pathname.split('/').filter((part) => part !== '').length;
    const ups = url.split('/').filter((part) => part === '..').length;
    if (ups > depth) {
      throw new GitmodulesError(
        `relative URL ${JSON.stringify(url)} climbs above the root of ${redactUrl(parentUrl)}`,
      );
    }
    base.pathname = base.pathname.replace(/\/*$/, '/');
    resolved = new URL(url, base).href;
  }
  try {
    checkUrl(resolved);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new GitmodulesError(
      `URL ${JSON.stringify(redactUrl(url))} is not allowed (only http(s) URLs and ./ or ../ relative URLs are): ${why}`,
    );
  }
  return resolved;
}

/** Same scheme, host and port: where a GitRepository's credentials may go. */
export function sameOrigin(a: string, b: string): boolean {
  return new URL(a).origin === new URL(b).origin;
}

/** A file of the artifact-to-be, read from the store of the repository it came from. */
export interface SourceFile extends TreeFile {
  readonly store: GitObjectStore;
}

/** A submodule laid into the tree. */
export interface CheckedOutSubmodule {
  readonly path: string;
  /** Redacted. */
  readonly url: string;
  readonly commit: string;
}

export interface SourceTree {
  readonly files: readonly SourceFile[];
  readonly submodules: readonly CheckedOutSubmodule[];
}

/** How a commit is fetched: `fetchCommit`, the same entry the GitRepository uses. */
export type FetchEntry = (
  remote: RemoteOptions,
  resolved: ResolvedReference,
) => Promise<FetchResult>;

export interface SourceTreeOptions {
  /** The GitRepository's remote: its URL, credentials and limits. */
  readonly remote: RemoteOptions;
  /** What fetching `commit` from `remote` brought. */
  readonly fetched: FetchResult;
  readonly commit: string;
  readonly recurseSubmodules?: boolean;
  /** `spec.sparseCheckout`. */
  readonly sparseCheckout?: readonly string[];
  /** Fetches a submodule commit; `fetchCommit` from the index in production. */
  readonly fetch: FetchEntry;
}

/**
 * The files of `commit`, with submodules laid in when asked, kept to the sparse directories
 * when given. Submodules outside the sparse directories are not fetched at all.
 */
export async function resolveSourceTree(options: SourceTreeOptions): Promise<SourceTree> {
  const sparse = new SparseCheckout(normalizeSparseCheckout(options.sparseCheckout));
  const walk = new TreeWalk(options, sparse);
  await walk.layIn(options.fetched.store, options.commit, options.remote.url, '', 0);
  sparse.requireExisting(walk.seenPaths());
  return { files: walk.files, submodules: walk.submodules };
}

/** One walk over a commit and its submodules, with the budgets they share. */
class TreeWalk {
  readonly files: SourceFile[] = [];
  readonly submodules: CheckedOutSubmodule[] = [];
  private readonly gitlinkPaths: string[] = [];
  private readonly fetched = new Map<string, Promise<FetchResult>>();
  private readonly deadline: number;
  private bytesLeft: number | undefined;
  private inflatedLeft: number | undefined;

  constructor(
    private readonly options: SourceTreeOptions,
    private readonly sparse: SparseCheckout,
  ) {
    this.deadline = Date.now() + options.remote.timeoutMs;
    if (options.recurseSubmodules === true) {
      const { remote, fetched } = options;
      this.bytesLeft = remote.maxBytes === undefined ? undefined : remote.maxBytes - fetched.bytes;
      const inflatedLimit = remote.packLimits?.maxTotalBytes ?? defaultPackLimits.maxTotalBytes;
      this.inflatedLeft = inflatedLimit - fetched.store.inflatedBytes();
    }
  }

  seenPaths(): string[] {
    return [...this.files.map((file) => file.path), ...this.gitlinkPaths];
  }

  async layIn(
    store: GitObjectStore,
    commit: string,
    url: string,
    prefix: string,
    depth: number,
  ): Promise<void> {
    const tree = await store.walkTree(commit);
    for (const file of tree.files) {
      const path = prefix + file.path;
      if (this.sparse.includes(path)) this.files.push({ ...file, path, store });
    }
    const wanted = tree.gitlinks.filter((link) => this.sparse.overlaps(prefix + link.path));
    this.gitlinkPaths.push(...wanted.map((link) => prefix + link.path));
    if (this.options.recurseSubmodules !== true || wanted.length === 0) return;
    const where = prefix === '' ? '' : `submodule '${prefix.slice(0, -1)}': `;
    const declared = await readGitmodules(store, tree.files, where);
    for (const link of wanted) {
      const path = prefix + link.path;
      const submodule = declared.findLast((s) => s.path?.replace(/\/+$/, '') === link.path);
      if (submodule?.url === undefined) {
        throw new GitError(
          'OperationFailed',
          `${where}no URL found for submodule path '${link.path}' in .gitmodules`,
        );
      }
      if (depth + 1 > maxSubmoduleDepth) {
        throw new GitError(
          'TooLarge',
          `submodule '${path}': submodules nest deeper than ${maxSubmoduleDepth} levels`,
        );
      }
      if (this.submodules.length + 1 > maxSubmodules) {
        throw new GitError(
          'TooLarge',
          `submodule '${path}': more than ${maxSubmodules} submodules in one repository`,
        );
      }
      let subUrl: string;
      try {
        subUrl = resolveSubmoduleUrl(submodule.url, url);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new GitError(
          'OperationFailed',
          `${where}.gitmodules: submodule ${JSON.stringify(submodule.name)}: ${why}`,
          { cause: error },
        );
      }
      const result = await this.fetchSubmodule(path, subUrl, link.commit);
      this.submodules.push({ path, url: redactUrl(subUrl), commit: link.commit });
      await this.layIn(result.store, link.commit, subUrl, `${path}/`, depth + 1);
    }
  }

  /** Fetches a pinned commit once per walk, within what the GitRepository has left. */
  private fetchSubmodule(path: string, url: string, commit: string): Promise<FetchResult> {
    const key = `${url}\0${commit}`;
    const known = this.fetched.get(key);
    if (known !== undefined) return known;
    const fetching = this.fetchWithinBudget(path, url, commit);
    this.fetched.set(key, fetching);
    return fetching;
  }

  private async fetchWithinBudget(path: string, url: string, commit: string): Promise<FetchResult> {
    const { remote } = this.options;
    const timeoutMs = this.deadline - Date.now();
    if (timeoutMs <= 0) {
      throw new GitError(
        'Timeout',
        `submodule '${path}': timed out after ${remote.timeoutMs}ms fetching submodules`,
      );
    }
    for (const [left, what] of [
      [this.bytesLeft, 'download'],
      [this.inflatedLeft, 'inflated objects'],
    ] as const) {
      if (left !== undefined && left <= 0) {
        throw new GitError(
          'TooLarge',
          `submodule '${path}': the repository and its submodules exceed the ${what} limit`,
        );
      }
    }
    const trusted = sameOrigin(url, remote.url) ? remote.credentials : undefined;
    const subRemote: RemoteOptions = {
      url,
      timeoutMs,
      ...(trusted === undefined ? {} : { credentials: trusted }),
      ...(this.bytesLeft === undefined ? {} : { maxBytes: this.bytesLeft }),
      packLimits: {
        ...remote.packLimits,
        ...(this.inflatedLeft === undefined ? {} : { maxTotalBytes: this.inflatedLeft }),
      },
    };
    let result: FetchResult;
    try {
      result = await this.options.fetch(subRemote, {
        commit,
        revision: `sha1:${commit}`,
        pinned: true,
      });
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      throw new GitError(error.reason, `submodule '${path}': ${error.message}`, { cause: error });
    }
    if (this.bytesLeft !== undefined) this.bytesLeft -= result.bytes;
    if (this.inflatedLeft !== undefined) this.inflatedLeft -= result.store.inflatedBytes();
    return result;
  }
}

/** The checked `.gitmodules` of a tree: a regular file whose every section is safe. */
async function readGitmodules(
  store: GitObjectStore,
  files: readonly TreeFile[],
  where: string,
): Promise<Submodule[]> {
  const file = files.find((f) => f.path === '.gitmodules');
  if (file === undefined) {
    throw new GitError('OperationFailed', `${where}the tree has submodules but no .gitmodules`);
  }
  if (file.type === 'symlink') {
    throw new GitError('OperationFailed', `${where}.gitmodules is a symbolic link; refusing it`);
  }
  try {
    const submodules = parseGitmodules((await store.readBlob(file.oid)).toString('utf8'));
    for (const submodule of submodules) checkSubmodule(submodule);
    return submodules;
  } catch (error) {
    if (!(error instanceof GitmodulesError)) throw error;
    throw new GitError('OperationFailed', `${where}.gitmodules: ${error.message}`, {
      cause: error,
    });
  }
}

interface ConfigEntry {
  readonly section: string;
  readonly subsection: string | undefined;
  readonly key: string;
  /** Undefined for a bare key (a boolean true). */
  readonly value: string | undefined;
}

/**
 * git config syntax: `[section "subsection"]` headers (or the old `[section.subsection]`),
 * `key = value` lines with `#`/`;` comments, double quotes, the escapes `\n \t \b \\ \"`
 * and a backslash before the newline to continue a line.
 */
function parseConfig(text: string): ConfigEntry[] {
  const reader: ConfigReader = new ConfigReader(text);
  const entries: ConfigEntry[] = [];
  let section: string | undefined;
  let subsection: string | undefined;
  for (;;) {
    reader.skipBlank();
    const c = reader.peek();
    if (c === undefined) return entries;
    if (c === '#' || c === ';') reader.skipLine();
    else if (c === '[') [section, subsection] = reader.header();
    else if (/[A-Za-z]/.test(c)) {
      const key = reader.key();
      if (section === undefined) reader.fail(`key ${JSON.stringify(key)} outside any section`);
      entries.push({ section, subsection, key, value: reader.value() });
    } else reader.fail(`unexpected ${JSON.stringify(c)}`);
  }
}

class ConfigReader {
  private pos = 0;
  private line = 1;

  constructor(private readonly text: string) {}

  peek(): string | undefined {
    return this.text[this.pos];
  }

  fail(why: string): never {
    throw new GitmodulesError(`line ${this.line}: ${why}`);
  }

  skipBlank(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] ?? '')) {
      if (this.text[this.pos] === '\n') this.line++;
      this.pos++;
    }
  }

  skipLine(): void {
    while (this.pos < this.text.length && this.text[this.pos] !== '\n') this.pos++;
  }

  private skipSpaces(): void {
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t') this.pos++;
  }

  header(): [string, string | undefined] {
    this.pos++; // '['
    const start = this.pos;
    while (/[A-Za-z0-9.-]/.test(this.text[this.pos] ?? '')) this.pos++;
    const name = this.text.slice(start, this.pos);
    if (name === '') this.fail('a section header without a name');
    this.skipSpaces();
    if (this.text[this.pos] === ']') {
      this.pos++;
      const dot = name.indexOf('.');
      return dot < 0
        ? [name.toLowerCase(), undefined]
        : [name.slice(0, dot).toLowerCase(), name.slice(dot + 1).toLowerCase()];
    }
    if (this.text[this.pos] !== '"') this.fail(`a bad section header [${name}`);
    this.pos++;
    let subsection = '';
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined || c === '\n') this.fail('a section header whose quote never closes');
      if (c === '"') break;
      if (c === '\\') {
        const next = this.text[this.pos++];
        if (next === undefined || next === '\n') this.fail('a section header split by a newline');
        subsection += next;
      } else subsection += c;
    }
    if (this.text[this.pos] !== ']') this.fail(`a section header not closed by ']'`);
    this.pos++;
    return [name.toLowerCase(), subsection];
  }

  key(): string {
    const start = this.pos;
    while (/[A-Za-z0-9-]/.test(this.text[this.pos] ?? '')) this.pos++;
    return this.text.slice(start, this.pos).toLowerCase();
  }

  value(): string | undefined {
    this.skipSpaces();
    const c = this.text[this.pos];
    if (c === undefined || c === '\n' || c === '\r' || c === '#' || c === ';') {
      this.skipLine();
      return undefined;
    }
    if (c !== '=') this.fail('a key not followed by =');
    this.pos++;
    this.skipSpaces();
    let value = '';
    let kept = 0;
    let quoted = false;
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined || ch === '\n') {
        if (quoted) this.fail('a quoted value that never closes');
        return value.slice(0, kept);
      }
      this.pos++;
      if (ch === '\\') {
        const next = this.text[this.pos++];
        if (next === '\n' || (next === '\r' && this.text[this.pos] === '\n')) {
          if (next === '\r') this.pos++;
          this.line++;
          continue;
        }
        const escaped = next === undefined ? undefined : escapes[next];
        if (escaped === undefined) this.fail(`a bad escape \\${next ?? ''}`);
        value += escaped;
        kept = value.length;
      } else if (ch === '"') {
        quoted = !quoted;
        kept = value.length;
      } else if (!quoted && (ch === '#' || ch === ';')) {
        this.skipLine();
      } else {
        value += ch;
        if (quoted || !/\s/.test(ch)) kept = value.length;
      }
    }
  }
}

const escapes: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  b: '\b',
  '\\': '\\',
  '"': '"',
};

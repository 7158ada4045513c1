import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { freePort } from './net.js';
import { run } from './process.js';
import { makeTempDir } from './temp.js';

export interface GitServerOptions {
  /** Require HTTP basic auth with these credentials. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** Require `Authorization: Bearer <token>` (accepted beside basic auth when both are set). */
  readonly bearerToken?: string;
}

/** Files to write (string content) or delete (null), by path relative to the repository root. */
export type FileChanges = Readonly<Record<string, string | Buffer | null>>;

export interface CreateRepositoryOptions {
  readonly files?: FileChanges;
  readonly branch?: string;
  readonly message?: string;
}

export interface GitRepositoryFixture {
  readonly name: string;
  /** The smart-HTTP URL a client clones from. */
  readonly url: string;
  /** The bare repository on disk. */
  readonly bareDir: string;
  /**
   * Writes/deletes files on `branch`, commits and pushes; returns the new commit SHA.
   * `gitlinks` sets submodule entries (path → pinned commit) as `git submodule` records
   * them; the `.gitmodules` file is the caller's to write, so tests can write hostile ones.
   */
  commit(
    files: FileChanges,
    message: string,
    options?: { branch?: string; gitlinks?: Readonly<Record<string, string>> },
  ): Promise<string>;
  /** Creates a branch at the head of another one and pushes it. */
  createBranch(name: string, from?: string): Promise<string>;
  /** Tags a commit (head of the default branch unless `ref` is given) and pushes the tag. */
  tag(name: string, options?: { ref?: string; annotated?: boolean }): Promise<string>;
  /** The commit SHA a branch points at in the bare repository. */
  head(branch?: string): Promise<string>;
  /** `git ls-tree -r --name-only` of a commit. */
  files(ref: string): Promise<string[]>;
}

export interface GitServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  createRepository(name: string, options?: CreateRepositoryOptions): Promise<GitRepositoryFixture>;
  /** Stops answering (connections refused) while keeping the repositories. */
  close(): Promise<void>;
  /** Listens again on the same port after close(). */
  reopen(): Promise<void>;
  /** Counts HTTP requests received, by `<method> <path>`. */
  requests(): ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

/** Identity and config isolation for every git CLI call the harness makes. */
export function gitEnv(home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Tide Test',
    GIT_AUTHOR_EMAIL: 'test@tide.invalid',
    GIT_COMMITTER_NAME: 'Tide Test',
    GIT_COMMITTER_EMAIL: 'test@tide.invalid',
    GIT_TERMINAL_PROMPT: '0',
  };
}

/** A real Git smart-HTTP server: `git http-backend` behind a small HTTP→CGI bridge. */
export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const temp = await makeTempDir('git-server');
  const reposDir = join(temp.path, 'repos');
  const workDir = join(temp.path, 'work');
  await mkdir(reposDir);
  await mkdir(workDir);
  const env = gitEnv(temp.path);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const counts = new Map<string, number>();

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', url).pathname;
    const key = `${req.method ?? 'GET'} ${path}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const user = authenticate(req, options);
    if (user === undefined) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="tide-test-git"' });
      res.end('authentication required\n');
      return;
    }
    serveCgi(req, res, reposDir, env, user);
  };

  let server = await listen(createServer(handler), port);
  const git = (args: readonly string[], cwd?: string) =>
    run('git', args, { cwd: cwd ?? workDir, env });

  return {
    url,
    port,
    async createRepository(name, repoOptions = {}) {
      const bareDir = join(reposDir, `${name}.git`);
      const checkout = join(workDir, name);
      const branch = repoOptions.branch ?? 'main';
      await git(['init', '--quiet', '--bare', `--initial-branch=${branch}`, bareDir]);
      await git(['config', 'http.receivepack', 'true'], bareDir);
      await git(['init', '--quiet', `--initial-branch=${branch}`, checkout]);
      await git(['remote', 'add', 'origin', bareDir], checkout);
      const fixture = repositoryFixture(name, `${url}/${name}.git`, bareDir, checkout, branch, git);
      if (repoOptions.files !== undefined) {
        await fixture.commit(repoOptions.files, repoOptions.message ?? 'initial commit', {
          branch,
        });
      }
      return fixture;
    },
    async close() {
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      server.closeAllConnections();
    },
    async reopen() {
      server = await listen(createServer(handler), port);
    },
    requests: () => counts,
    async stop() {
      if (server.listening) {
        server.closeAllConnections();
        await new Promise<void>((resolve) =>
          server.close(() => {
            resolve();
          }),
        );
      }
      await temp.remove();
    },
  };
}

function repositoryFixture(
  name: string,
  url: string,
  bareDir: string,
  checkout: string,
  defaultBranch: string,
  git: (args: readonly string[], cwd?: string) => Promise<string>,
): GitRepositoryFixture {
  const inCheckout = (args: readonly string[]) => git(args, checkout);
  const head = async (branch = defaultBranch) =>
    (await git(['rev-parse', `refs/heads/${branch}`], bareDir)).trim();
  let current = defaultBranch;
  const switchTo = async (branch: string) => {
    if (branch === current) return;
    const exists = (await git(['branch', '--list', branch], checkout)).trim() !== '';
    await inCheckout(
      exists ? ['checkout', '--quiet', branch] : ['checkout', '--quiet', '-b', branch],
    );
    current = branch;
  };
  return {
    name,
    url,
    bareDir,
    head,
    async commit(files, message, commitOptions = {}) {
      const branch = commitOptions.branch ?? defaultBranch;
      await switchTo(branch);
      for (const [path, content] of Object.entries(files)) {
        const target = join(checkout, path);
        if (content === null) {
          await rm(target, { force: true, recursive: true });
        } else {
          await mkdir(dirname(target), { recursive: true });
          await writeFile(target, content);
        }
      }
      await inCheckout(['add', '--all']);
      for (const [path, pinned] of Object.entries(commitOptions.gitlinks ?? {})) {
        // An empty directory stands for the submodule not checked out, so `add --all` keeps it.
        await mkdir(join(checkout, path), { recursive: true });
        await inCheckout(['update-index', '--add', '--cacheinfo', `160000,${pinned},${path}`]);
      }
      await inCheckout(['commit', '--quiet', '--allow-empty', '-m', message]);
      await inCheckout(['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`]);
      return head(branch);
    },
    async createBranch(branchName, from = defaultBranch) {
      await git(['branch', branchName, `refs/heads/${from}`], bareDir);
      await inCheckout(['fetch', '--quiet', 'origin']);
      await inCheckout(['branch', '--quiet', branchName, `origin/${branchName}`]);
      return head(branchName);
    },
    async tag(tagName, tagOptions = {}) {
      const ref = tagOptions.ref ?? (await head());
      const args =
        tagOptions.annotated === true
          ? ['tag', '-a', '-m', tagName, tagName, ref]
          : ['tag', tagName, ref];
      await git(args, bareDir);
      return (await git(['rev-parse', `${tagName}^{commit}`], bareDir)).trim();
    },
    async files(ref) {
      const out = await git(['ls-tree', '-r', '--name-only', ref], bareDir);
      return out.split('\n').filter((line) => line !== '');
    },
  };
}

/** The authenticated user name, `anonymous` when no auth is required, undefined when refused. */
function authenticate(req: IncomingMessage, options: GitServerOptions): string | undefined {
  if (options.basicAuth === undefined && options.bearerToken === undefined) return 'anonymous';
  const header = req.headers.authorization ?? '';
  if (options.bearerToken !== undefined && header === `Bearer ${options.bearerToken}`)
    return 'token';
  if (options.basicAuth !== undefined && header.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
    const { username, password } = options.basicAuth;
    if (decoded === `${username}:${password}`) return username;
  }
  return undefined;
}

function serveCgi(
  req: IncomingMessage,
  res: ServerResponse,
  reposDir: string,
  env: NodeJS.ProcessEnv,
  user: string,
): void {
  const requestUrl = new URL(req.url ?? '/', 'http://git.invalid');
  const cgi = spawn('git', ['http-backend'], {
    env: {
      ...env,
      GIT_PROJECT_ROOT: reposDir,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(requestUrl.pathname),
      QUERY_STRING: requestUrl.search.replace(/^\?/, ''),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
      GIT_PROTOCOL: headerValue(req.headers['git-protocol']),
      REMOTE_USER: user,
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  req.pipe(cgi.stdin);
  cgi.stdin.on('error', () => undefined);
  const stderr: Buffer[] = [];
  cgi.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  let head = Buffer.alloc(0);
  let headersSent = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const split = headerEnd(head);
    if (split === undefined) return;
    const { status, headers } = parseCgiHeaders(head.subarray(0, split.at).toString('latin1'));
    res.writeHead(status, headers);
    headersSent = true;
    const rest = head.subarray(split.at + split.length);
    if (rest.length > 0) res.write(rest);
  });
  cgi.on('close', (code) => {
    if (!headersSent) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(
        `git http-backend failed (${String(code)}): ${Buffer.concat(stderr).toString('utf8')}`,
      );
      return;
    }
    res.end();
  });
}

function headerValue(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

function headerEnd(buffer: Buffer): { at: number; length: number } | undefined {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { at: crlf, length: 4 };
  if (lf !== -1) return { at: lf, length: 2 };
  return undefined;
}

function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'status') status = Number.parseInt(value, 10);
    else headers[name] = value;
  }
  return { status, headers };
}

async function listen(server: Server, port: number): Promise<Server> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolve();
    });
  });
  return server;
}

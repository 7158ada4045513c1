import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { startGitServer, type GitRepositoryFixture, type GitServer } from '@tide/harness';
import {
  GitError,
  GitmodulesError,
  checkSubmodule,
  fetchCommit,
  maxSubmoduleDepth,
  resolveReference,
  resolveSourceTree,
  type RemoteOptions,
  parseGitmodules,
  resolveSubmoduleUrl,
  sameOrigin,
  type Submodule,
} from '../src/index.js';

describe('parseGitmodules', () => {
  it.each<[string, string, Submodule[]]>([
    [
      'what git submodule add writes',
      '[submodule "lib"]\n\tpath = vendor/lib\n\turl = https://git.test/lib.git\n',
      [{ name: 'lib', path: 'vendor/lib', url: 'https://git.test/lib.git' }],
    ],
    [
      'several sections, a branch and comments',
      '# top\n[submodule "a"]\n  path = a ; trailing\n  url = ../a.git # why\n  branch = main\n' +
        '; between\n[submodule "b"]\npath=b\nurl=./b.git\n',
      [
        { name: 'a', path: 'a', url: '../a.git', branch: 'main' },
        { name: 'b', path: 'b', url: './b.git' },
      ],
    ],
    [
      'case-insensitive section and keys, the last value of a key winning',
      '[SubModule "x"]\nPATH = first\nPath = second\nURL = u\n',
      [{ name: 'x', path: 'second', url: 'u' }],
    ],
    [
      'quotes, escapes and inner spaces kept, outer spaces trimmed',
      '[submodule "q"]\npath = "with space" and\\ttab  \nurl = "a;b#c" \\\\ "\\"q\\""\n',
      [{ name: 'q', path: 'with space and\ttab', url: 'a;b#c \\ "q"' }],
    ],
    [
      'a line continued by a backslash, CRLF line ends',
      '[submodule "c"]\r\npath = one\\\r\ntwo\r\nurl = u\r\n',
      [{ name: 'c', path: 'onetwo', url: 'u' }],
    ],
    [
      'a subsection name with escaped quotes, a key on the header line',
      '[submodule "we\\"ird"] path = p\nurl = u\n',
      [{ name: 'we"ird', path: 'p', url: 'u' }],
    ],
    [
      'other sections and bare keys ignored',
      '[core]\nbare\n[submodule]\npath = x\n[submodule "s"]\nurl\npath = s\nurl = u\n',
      [{ name: 's', path: 's', url: 'u' }],
    ],
    ['an empty file', '', []],
  ])('reads %s', (_what, text, expected) => {
    expect(parseGitmodules(text)).toEqual(expected);
  });

  it.each([
    ['a key outside any section', 'path = x\n', 'outside any section'],
    ['an unclosed header quote', '[submodule "x]\npath = y\n', 'never closes'],
    ['an unclosed value quote', '[submodule "x"]\npath = "y\n', 'never closes'],
    ['a bad escape', '[submodule "x"]\npath = a\\qb\n', 'bad escape'],
    ['a key without =', '[submodule "x"]\npath y\n', 'not followed by ='],
    ['a stray character', '[submodule "x"]\n=y\n', 'unexpected'],
  ])('refuses %s with the line number', (_what, text, why) => {
    expect(() => parseGitmodules(text)).toThrow(GitmodulesError);
    expect(() => parseGitmodules(text)).toThrow(why);
    expect(() => parseGitmodules(text)).toThrow(/^line \d+: /);
  });
});

describe('checkSubmodule', () => {
  it.each(['lib', 'vendor/lib', 'a/b/c/', 'dot.git', '.github/x'])('accepts path %s', (path) => {
    expect(() => {
      checkSubmodule({ name: 'ok', path });
    }).not.toThrow();
  });

  it.each([
    ['../escape', 'leaves the repository'],
    ['a/../../b', 'leaves the repository'],
    ['a/./b', 'leaves the repository'],
    ['a//b', 'leaves the repository'],
    ['/etc/x', 'is not a relative path'],
    ['C:/x', 'is not a relative path'],
    ['a\\..\\b', 'is not a relative path'],
    ['', 'is not a relative path'],
    ['.git', 'goes through .git'],
    ['x/.GIT/hooks', 'goes through .git'],
    ['x/git~1/hooks', 'goes through .git'],
    ['.git. ', 'goes through .git'],
    ['-oops', 'looks like an option'],
    ['a\nb', 'control character'],
  ])('refuses path %j', (path, why) => {
    expect(() => {
      checkSubmodule({ name: 'bad', path });
    }).toThrow(why);
  });

  it.each(['../../modules/x', 'a/../b', 'a\\..\\b', ''])('refuses name %j', (name) => {
    expect(() => {
      checkSubmodule({ name, path: 'p' });
    }).toThrow('name may not be empty');
  });
});

describe('resolveSubmoduleUrl', () => {
  it.each([
    ['../other.git', 'https://git.test/org/repo.git', 'https://git.test/org/other.git'],
    ['../other.git', 'https://git.test/org/repo.git/', 'https://git.test/org/other.git'],
    ['./sub.git', 'https://git.test/org/repo.git', 'https://git.test/org/repo.git/sub.git'],
    ['../../top.git', 'https://git.test/org/repo.git', 'https://git.test/top.git'],
    ['../x/y.git', 'http://127.0.0.1:8080/a.git', 'http://127.0.0.1:8080/x/y.git'],
    ['https://other.test/lib.git', 'https://git.test/repo.git', 'https://other.test/lib.git'],
  ])('resolves %s against %s', (url, parent, expected) => {
    expect(resolveSubmoduleUrl(url, parent)).toBe(expected);
  });

  it.each([
    ['../../../x.git', 'https://git.test/org/repo.git', 'climbs above the root'],
    ['file:///etc/passwd', 'https://git.test/repo.git', 'is not allowed'],
    ['ext::sh -c id', 'https://git.test/repo.git', 'is not allowed'],
    ['git://git.test/x.git', 'https://git.test/repo.git', 'is not allowed'],
    ['/srv/git/x.git', 'https://git.test/repo.git', 'is not allowed'],
    ['x.git', 'https://git.test/repo.git', 'is not allowed'],
    ['git@git.test:org/x.git', 'https://git.test/repo.git', 'is not allowed'],
    ['https://git.test/x.git?a=b', 'https://git.test/repo.git', 'is not allowed'],
    ['--upload-pack=id', 'https://git.test/repo.git', 'looks like an option'],
    ['https://git.test/x\n.git', 'https://git.test/repo.git', 'control character'],
  ])('refuses %j', (url, parent, why) => {
    expect(() => resolveSubmoduleUrl(url, parent)).toThrow(GitmodulesError);
    expect(() => resolveSubmoduleUrl(url, parent)).toThrow(why);
  });

  it('never repeats the password of a URL in its message', () => {
    expect(() =>
      resolveSubmoduleUrl('ftp://user:hunter2@x.test/r.git', 'https://g.test/r'),
    ).toThrow(/^(?!.*hunter2)/s);
  });
});

describe('sameOrigin', () => {
  it.each([
    ['https://git.test/a.git', 'https://git.test/b.git', true],
    ['https://GIT.test:443/a.git', 'https://git.test/b.git', true],
    ['https://git.test/a.git', 'http://git.test/a.git', false],
    ['https://git.test:8443/a.git', 'https://git.test/a.git', false],
    ['https://git.test.evil/a.git', 'https://git.test/a.git', false],
    ['https://user@evil.test/a.git', 'https://git.test/a.git', false],
  ])('%s and %s: %s', (a, b, expected) => {
    expect(sameOrigin(a, b)).toBe(expected);
  });
});

describe('resolveSourceTree against git http-backend', () => {
  let server: GitServer;
  let lib: GitRepositoryFixture;

  beforeAll(async () => {
    server = await startGitServer();
    lib = await server.createRepository('lib', {
      files: { 'big.bin': randomBytes(64 * 1024), 'lib.yaml': 'lib\n' },
    });
  });
  afterAll(async () => {
    await server.stop();
  });

  const fetchTree = async (
    repo: GitRepositoryFixture,
    extra: Partial<RemoteOptions> = {},
    sparseCheckout?: string[],
  ) => {
    const remote: RemoteOptions = { url: repo.url, timeoutMs: 10_000, ...extra };
    const resolved = await resolveReference(remote, { branch: 'main' });
    const fetched = await fetchCommit(remote, resolved);
    return resolveSourceTree({
      remote,
      fetched,
      commit: resolved.commit,
      recurseSubmodules: true,
      fetch: fetchCommit,
      ...(sparseCheckout === undefined ? {} : { sparseCheckout }),
    });
  };

  const parentOf = async (name: string) => {
    const repo = await server.createRepository(name, {
      files: {
        'app.yaml': 'app\n',
        '.gitmodules': '[submodule "lib"]\npath = lib\nurl = ../lib.git\n',
      },
    });
    await repo.commit({}, 'add lib', { gitlinks: { lib: await lib.head() } });
    return repo;
  };

  it('lays the submodule in, reading each file from the store it came from', async () => {
    const tree = await fetchTree(await parentOf('fits'));
    expect(tree.submodules).toEqual([{ path: 'lib', url: lib.url, commit: await lib.head() }]);
    const yaml = tree.files.find((f) => f.path === 'lib/lib.yaml');
    expect(yaml === undefined ? '' : (await yaml.store.readBlob(yaml.oid)).toString()).toBe(
      'lib\n',
    );
  });

  it('counts submodule downloads against the repository byte budget', async () => {
    const repo = await parentOf('budget');
    const alone = await fetchCommit(
      { url: repo.url, timeoutMs: 10_000 },
      await resolveReference({ url: repo.url, timeoutMs: 10_000 }, { branch: 'main' }),
    );
    // Room for the parent and a little more, not for 64 KiB of random submodule bytes.
    const error = await fetchTree(repo, { maxBytes: alone.bytes + 4096 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).reason).toBe('TooLarge');
    expect((error as GitError).message).toContain("submodule 'lib'");
  });

  it('counts inflated submodule objects against the pack limits', async () => {
    const repo = await parentOf('inflated');
    const error = await fetchTree(repo, { packLimits: { maxTotalBytes: 16 * 1024 } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).reason).toBe('TooLarge');
    expect((error as GitError).message).toContain("submodule 'lib'");
  });

  it(`stops nesting after ${maxSubmoduleDepth} levels`, async () => {
    let below = await server.createRepository('level-0', { files: { 'leaf.txt': 'leaf\n' } });
    for (let level = 1; level <= maxSubmoduleDepth + 1; level++) {
      const repo = await server.createRepository(`level-${level}`, {
        files: {
          '.gitmodules': `[submodule "down"]\npath = down\nurl = ../level-${level - 1}.git\n`,
        },
      });
      await repo.commit({}, 'nest', { gitlinks: { down: await below.head() } });
      below = repo;
    }
    const error = await fetchTree(below).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).reason).toBe('TooLarge');
    expect((error as GitError).message).toContain(`deeper than ${maxSubmoduleDepth} levels`);
  });

  it('fetches a commit pinned twice only once', async () => {
    const repo = await server.createRepository('twice', {
      files: {
        '.gitmodules':
          '[submodule "a"]\npath = a\nurl = ../lib.git\n[submodule "b"]\npath = b\nurl = ../lib.git\n',
      },
    });
    await repo.commit({}, 'lib twice', { gitlinks: { a: await lib.head(), b: await lib.head() } });
    const before = server.requests().get('POST /lib.git/git-upload-pack') ?? 0;
    const tree = await fetchTree(repo);
    expect(tree.files.filter((f) => f.path.endsWith('lib.yaml')).map((f) => f.path)).toEqual([
      'a/lib.yaml',
      'b/lib.yaml',
    ]);
    expect((server.requests().get('POST /lib.git/git-upload-pack') ?? 0) - before).toBe(1);
  });
});

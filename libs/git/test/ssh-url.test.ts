import { describe, expect, it } from '@jest/globals';
import {
  checkUrl,
  isSshUrl,
  parseSshUrl,
  sshServiceCommand,
  type SshAddress,
} from '../src/index.js';

describe('SSH Git addresses, parsed as git does', () => {
  it.each<[string, SshAddress]>([
    [
      'ssh://git@github.com/org/repo.git',
      { host: 'github.com', port: 22, username: 'git', path: '/org/repo.git' },
    ],
    [
      'ssh://github.com/org/repo',
      { host: 'github.com', port: 22, username: 'git', path: '/org/repo' },
    ],
    [
      'ssh://deploy@git.example.com:2222/srv/repo.git',
      { host: 'git.example.com', port: 2222, username: 'deploy', path: '/srv/repo.git' },
    ],
    [
      'ssh://git@[::1]:2222/repo.git',
      { host: '::1', port: 2222, username: 'git', path: '/repo.git' },
    ],
    [
      'ssh://git@host/~alice/repo.git',
      { host: 'host', port: 22, username: 'git', path: '~alice/repo.git' },
    ],
    [
      'git@github.com:org/repo.git',
      { host: 'github.com', port: 22, username: 'git', path: 'org/repo.git' },
    ],
    [
      'github.com:org/repo.git',
      { host: 'github.com', port: 22, username: 'git', path: 'org/repo.git' },
    ],
    [
      'deploy@host:/abs/repo.git',
      { host: 'host', port: 22, username: 'deploy', path: '/abs/repo.git' },
    ],
    ['git@[fe80::1]:repo.git', { host: 'fe80::1', port: 22, username: 'git', path: 'repo.git' }],
  ])('%s', (url, want) => {
    expect(isSshUrl(url)).toBe(true);
    expect(parseSshUrl(url)).toEqual(want);
    expect(() => {
      checkUrl(url);
    }).not.toThrow();
  });

  it.each([
    'https://github.com/org/repo.git',
    'http://127.0.0.1:8080/repo.git',
    'file:///srv/repo.git',
    './relative/path',
    '/srv/repo.git',
    'org/repo:with-colon-after-slash',
  ])('%s is not an SSH address', (url) => {
    expect(isSshUrl(url)).toBe(false);
  });

  it.each([
    ['ssh://git:hunter2@host/repo.git', /may not carry a password/],
    ['ssh://git@host/repo.git?ref=main', /may not carry a query or fragment/],
    ['ssh://git@host', /no repository path/],
    ['ssh://git@host/', /no repository path/],
  ])('refuses %s', (url, message) => {
    expect(() => parseSshUrl(url)).toThrow(message);
    expect(() => {
      checkUrl(url);
    }).toThrow(message);
  });

  it('never shows a password from the URL in the refusal', () => {
    expect(() => parseSshUrl('ssh://git:hunter2@host/repo.git')).not.toThrow(/hunter2/);
  });

  it.each([
    ['/org/repo.git', "git-upload-pack '/org/repo.git'"],
    ["/it's.git", "git-upload-pack '/it'\\''s.git'"],
    ['/bang!.git', "git-upload-pack '/bang'\\!'.git'"],
    ['/$(reboot).git', "git-upload-pack '/$(reboot).git'"],
  ])('quotes %s for the remote shell as git does', (path, command) => {
    expect(sshServiceCommand('git-upload-pack', path)).toBe(command);
  });
});

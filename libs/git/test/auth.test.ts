import { describe, expect, it } from '@jest/globals';
import { refuseCleartextCredentials, type GitCredentials } from '../src/auth.js';
import { GitError } from '../src/errors.js';

const basic: GitCredentials = { username: 'flux', password: 't0ken' };
const bearer: GitCredentials = { bearerToken: 't0ken' };

describe('refuseCleartextCredentials', () => {
  it.each([
    [
      'basic auth',
      'http://git.example.com/org/repo.git',
      basic,
      "the secretRef's username/password",
    ],
    [
      'a bearer token',
      'http://git.example.com/org/repo.git',
      bearer,
      "the secretRef's bearerToken",
    ],
    [
      'user info',
      'http://flux:t0ken@git.example.com/org/repo.git',
      undefined,
      'the user info in the URL',
    ],
  ])('refuses %s over http to a network host', (_, url, credentials, sent) => {
    let error: unknown;
    try {
      refuseCleartextCredentials(url, credentials);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).reason).toBe('Unsupported');
    expect((error as GitError).message).toContain(sent);
    expect((error as GitError).message).toContain('use an https:// URL');
    expect((error as GitError).message).not.toContain('t0ken');
  });

  it.each([
    ['https', 'https://git.example.com/org/repo.git', basic],
    ['a loopback address', 'http://127.0.0.1:8080/org/repo.git', basic],
    ['IPv6 loopback', 'http://[::1]:8080/org/repo.git', bearer],
    ['no credentials', 'http://git.example.com/org/repo.git', undefined],
    ['only a CA', 'http://git.example.com/org/repo.git', { caPem: 'PEM' }],
  ])('allows %s', (_, url, credentials) => {
    expect(() => {
      refuseCleartextCredentials(url, credentials);
    }).not.toThrow();
  });
});

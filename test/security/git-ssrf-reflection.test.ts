/**
 * SSRF with the answer reflected (review H3): a GitRepository URL may point at any HTTP
 * server. Whatever that server answers, none of its body (nor its reason phrase) may reach
 * the error, which becomes a condition and an event; and a query or fragment that would cut
 * off `/info/refs` so the URL names an arbitrary path is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GitError, fetchCommit, resolveReference } from '@tide/git';

const secret = 'AKIAIOSFODNN7EXAMPLE aws_secret_access_key=wJalrXUtnFEMI/K7MDENG';

describe('a Git URL pointing at a non-Git HTTP server', () => {
  let server: Server;
  let base: string;
  const paths: string[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      paths.push(request.url ?? '');
      if (request.url?.startsWith('/teapot') === true) {
        response.writeHead(418, `I am a teapot ${secret}`, { 'content-type': 'text/plain' });
      } else if (request.url?.startsWith('/advertised') === true) {
        response.writeHead(200, {
          'content-type': 'application/x-git-upload-pack-advertisement',
        });
      } else {
        response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      }
      response.end(`{"Code":"Success","SecretAccessKey":"${secret}"}\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  });

  const failure = async (url: string): Promise<GitError> => {
    const error = await resolveReference({ url, timeoutMs: 5_000 }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(GitError);
    return error as GitError;
  };

  it('says "not a Git smart-HTTP endpoint" with the status and content type, never the body', async () => {
    const error = await failure(`${base}/latest/meta-data/iam`);
    expect(error.message).toBe(
      `${base}/latest/meta-data/iam: not a Git smart-HTTP endpoint (HTTP 200, content-type text/plain; charset=utf-8)`,
    );
    expect(error.message).not.toContain('AKIA');
    expect(JSON.stringify(error)).not.toContain('AKIA');
  });

  it('does not reflect a body served as a Git advertisement either', async () => {
    const error = await failure(`${base}/advertised`);
    expect(error.message).toMatch(/not a Git smart-HTTP endpoint \(HTTP 200/);
    expect(error.message).not.toContain('AKIA');
  });

  it('does not reflect the reason phrase of an error status', async () => {
    const error = await failure(`${base}/teapot`);
    expect(error.message).toBe(`${base}/teapot: HTTP 418`);
  });

  it.each([
    ['a fragment', '/latest/meta-data#'],
    ['a query', '/latest/meta-data?'],
  ])('refuses a URL ending in %s, which would hide /info/refs', async (_what, path) => {
    const before = paths.length;
    const error = await fetchCommit(
      { url: `${base}${path}`, timeoutMs: 5_000 },
      { commit: 'a'.repeat(40), revision: 'x', pinned: true },
    ).then(
      () => undefined,
      (caught: unknown) => caught as GitError,
    );
    expect(error?.reason).toBe('InvalidReference');
    expect(error?.message).toMatch(/a Git URL may not carry a query or fragment/);
    expect(paths.length).toBe(before); // nothing was requested
  });
});

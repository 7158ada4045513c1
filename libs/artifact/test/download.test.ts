import { describe, expect, it } from '@jest/globals';
import { ArtifactFetchError, download } from '../src/download.js';

/** Refusals happen before any connection: the hosts below do not resolve. */
const limits = { maxSize: 1024, timeoutMs: 2000 };

async function failureOf(promise: Promise<unknown>): Promise<ArtifactFetchError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ArtifactFetchError))
    throw new Error(`want ArtifactFetchError, got ${String(error)}`);
  return error;
}

describe('download credentials over plain http', () => {
  it.each([
    [
      'an authorization header',
      'http://charts.example.invalid/index.yaml',
      { authorization: 'Basic Zm9vOmJhcg==' },
    ],
    ['user info in the URL', 'http://flux:t0ken@charts.example.invalid/index.yaml', {}],
  ])('refuses %s before connecting, naming the URL without user info', async (_, url, headers) => {
    const error = await failureOf(download(url, { ...limits, headers }));
    expect(error.reason).toBe('InsecureCredentials');
    expect(error.message).toContain('http://charts.example.invalid/index.yaml');
    expect(error.message).not.toContain('t0ken');
  });

  it.each([
    ['https', 'https://flux:t0ken@charts.example.invalid/index.yaml', {}],
    [
      'allowCleartextCredentials',
      'http://flux:t0ken@charts.example.invalid/index.yaml',
      { allowCleartextCredentials: true },
    ],
    ['no credentials', 'http://charts.example.invalid/index.yaml', {}],
  ])('goes ahead with %s (and fails only on the unknown host)', async (_, url, extra) => {
    const error = await failureOf(download(url, { ...limits, ...extra }));
    expect(error.reason).toBe('Unreachable');
    expect(error.message).not.toContain('t0ken');
  });
});

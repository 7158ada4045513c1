/**
 * `buildAsync`: a build that may fetch remote resources (`https://host/org/repo//path?ref=v1`
 * and the other forms kustomize accepts) through @tide/git. Off unless `remote` is set.
 *
 * The synchronous build stops at the first remote address not fetched yet; it is fetched (a
 * repository once per repository and ref, into a temporary directory; an http(s) resource URL
 * with one GET) and the build runs again, until it meets no new one. Checkouts are deleted when
 * the build ends.
 */
import { buildWith, type BuildOptions, type BuildResult } from './build.js';
import { RemoteCheckouts, RemoteNeeded, type RemoteFetchOptions } from './remote/checkout.js';

export type { RemoteFetchOptions } from './remote/checkout.js';

export interface AsyncBuildOptions extends BuildOptions {
  /** Fetch remote resources (`true`, or fetch options). Off by default. */
  readonly remote?: boolean | RemoteFetchOptions;
}

export async function buildAsync(
  directory: string,
  options: AsyncBuildOptions = {},
): Promise<BuildResult> {
  const { remote, ...buildOptions } = options;
  if (remote === undefined || remote === false)
    return buildWith(directory, buildOptions, undefined);
  const checkouts = new RemoteCheckouts(remote === true ? {} : remote);
  try {
    for (;;) {
      try {
        return buildWith(directory, buildOptions, checkouts);
      } catch (error) {
        if (!(error instanceof RemoteNeeded)) throw error;
        const { request } = error;
        if (request.kind === 'file') await checkouts.fetchFile(request.url);
        else await checkouts.fetch(request.spec, error.address, error.origin);
      }
    }
  } finally {
    await checkouts.removeAll();
  }
}

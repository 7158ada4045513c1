/** Every failure of a build is a KustomizeError: its message names the file or field at fault. */
export class KustomizeError extends Error {
  override readonly name = 'KustomizeError';
}

/**
 * A remote resource met by a build that may not fetch: `build()`, or `buildAsync` without
 * `remote`. Callers that turned fetching off on purpose can say so in their own words.
 */
export class RemoteResourcesOff extends KustomizeError {
  constructor(
    /** The kustomization file naming the resource. */
    readonly origin: string,
    /** The resource as written: `https://host/org/repo//path?ref=v1`. */
    readonly address: string,
  ) {
    super(
      `${origin}: remote resource ${address}: fetching remote resources is off; ` +
        'build with buildAsync(dir, { remote: true }) (`tide kustomize build` fetches them unless given --no-remote)',
    );
  }
}

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

/** A path of a confined build that resolves outside its confinement root. */
export class OutsideBuildRoot extends KustomizeError {
  constructor(
    /** The path as resolved by the kernel, symlinks followed. */
    readonly path: string,
    /** The build's confinement root. */
    readonly buildRoot: string,
    /** What named the path, for the message: `kustomization.yaml: resource /etc`. */
    context?: string,
  ) {
    super(
      `${context === undefined ? '' : `${context}: `}security; '${path}' is outside the build root '${buildRoot}'`,
    );
  }
}

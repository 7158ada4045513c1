/**
 * @tide/kustomize: a kustomize build engine whose output is byte-identical to kustomize v5.
 * `build(dir)` returns the YAML stream `kustomize build dir` prints (`buildAsync(dir, {remote:
 * true})` also fetches remote resources); the YAML reader and writer
 * are exported for callers that need kustomize's exact serialization.
 */
export { build, type BuildOptions, type BuildResult } from './build.js';
export { buildAsync, type AsyncBuildOptions, type RemoteFetchOptions } from './build-remote.js';
export { KustomizeError, OutsideBuildRoot, RemoteResourcesOff } from './errors.js';
export { FileLoader } from './loader.js';
export type { LoadRestrictor } from './loader.js';
export { emitDocument, emitDocuments } from './yaml/emit.js';
export { parseDocuments } from './yaml/parse.js';
export type { Value, ValueMap } from './value.js';

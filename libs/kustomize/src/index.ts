/**
 * @tide/kustomize: a kustomize build engine whose output is byte-identical to kustomize v5.
 * `build(dir)` returns the YAML stream `kustomize build dir` prints; the YAML reader and writer
 * are exported for callers that need kustomize's exact serialization.
 */
export { build, type BuildOptions, type BuildResult } from './build.js';
export { KustomizeError } from './errors.js';
export type { LoadRestrictor } from './loader.js';
export { emitDocument, emitDocuments } from './yaml/emit.js';
export { parseDocuments } from './yaml/parse.js';
export type { Value, ValueMap } from './value.js';

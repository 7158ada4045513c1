/**
 * @tide/cel: Common Expression Language programs over Kubernetes objects, as Flux uses them
 * for Kustomization `healthCheckExprs` and `dependsOn[].readyExpr` (and HelmRelease later).
 * Compile once (syntax, variables and result type checked), evaluate to a bool against
 * plain JSON many times; every failure is a CelError naming the expression.
 */
export { compile, type CelProgram, type CompileOptions } from './program.js';
export { CelError, CelErrorKind } from './errors.js';

/**
 * Flux's condition reason (`meta.InvalidCELExpressionReason`) for a CEL expression in the
 * spec that does not compile: the Kustomization is Stalled until the spec changes.
 */
export const invalidCELExpression = 'InvalidCELExpression';

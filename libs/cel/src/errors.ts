/** Where a CEL expression went wrong: it cannot be compiled, or it failed on a given input. */
export const CelErrorKind = {
  /** Syntax, an unknown variable or function, or a result that can never be a bool. */
  Compile: 'Compile',
  /** The input lacked a field the expression reads, or the result was not a bool. */
  Evaluate: 'Evaluate',
} as const;
export type CelErrorKind = (typeof CelErrorKind)[keyof typeof CelErrorKind];

/** A CEL expression that did not compile or evaluate; the message names the expression. */
export class CelError extends Error {
  override readonly name = 'CelError';
  constructor(
    readonly kind: CelErrorKind,
    readonly expression: string,
    /** What went wrong, without the expression: `unknown variable: deps`. */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    const verb = kind === CelErrorKind.Compile ? 'compiling' : 'evaluating';
    super(`${verb} CEL expression ${JSON.stringify(expression)}: ${reason}`, options);
  }
}

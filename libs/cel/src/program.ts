import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import { CelError, CelErrorKind } from './errors.js';
import { isPlainObject } from './plain.js';
import { celMap } from './values.js';

export interface CompileOptions {
  /**
   * The variables the expression may name, each bound to an object (`self`, `dep`). When
   * set, an unknown variable is a compile error. When absent, every identifier is a field
   * of the object given to `evaluate` (`status`, `metadata`), as in Flux's health check
   * expressions, and a missing one fails only when evaluated.
   */
  readonly variables?: readonly string[];
}

/** A compiled expression: compile once, evaluate against many objects. */
export interface CelProgram {
  readonly expression: string;
  /**
   * Evaluates to a bool. `variables` maps each variable to plain JSON (whole numbers are
   * CEL ints). Throws a CelError of kind Evaluate when the expression fails on this input.
   */
  evaluateBoolean(variables: Readonly<Record<string, unknown>>): boolean;
}

/**
 * Compiles an expression with the options Flux gives cel-go: optional types (`a.?b`),
 * homogeneous list and map literals, the string extensions. Throws a CelError of kind
 * Compile for a syntax error, an unknown variable or function, or a result type that can
 * never be a bool (`status.replicas + 1`).
 */
export function compile(expression: string, options: CompileOptions = {}): CelProgram {
  const declared = options.variables;
  const environment = new Environment({
    unlistedVariablesAreDyn: declared === undefined,
    enableOptionalTypes: true,
    homogeneousAggregateLiterals: true,
  });
  for (const name of declared ?? []) environment.registerVariable(name, 'map');
  const parsed = parseExpression(environment, expression);
  const checked = parsed.check();
  if (!checked.valid)
    throw new CelError(CelErrorKind.Compile, expression, reasonOf(checked.error), {
      cause: checked.error,
    });
  if (checked.type !== 'bool' && checked.type !== 'dyn')
    throw new CelError(
      CelErrorKind.Compile,
      expression,
      `the result is ${checked.type ?? 'unknown'}, not bool`,
    );
  return {
    expression,
    evaluateBoolean: (variables) => evaluateBoolean(parsed, expression, variables),
  };
}

function parseExpression(environment: Environment, expression: string): ParseResult {
  try {
    return environment.parse(expression);
  } catch (error) {
    throw new CelError(CelErrorKind.Compile, expression, reasonOf(error), { cause: error });
  }
}

function evaluateBoolean(
  parsed: ParseResult,
  expression: string,
  variables: Readonly<Record<string, unknown>>,
): boolean {
  // A Map, so an identifier such as `constructor` never resolves to an Object.prototype member.
  const context = celMap(variables);
  let result: unknown;
  try {
    result = parsed(context);
  } catch (error) {
    throw new CelError(CelErrorKind.Evaluate, expression, reasonOf(error), { cause: error });
  }
  if (typeof result !== 'boolean')
    throw new CelError(
      CelErrorKind.Evaluate,
      expression,
      `the result is ${describeValue(result)}, not bool`,
    );
  return result;
}

/** The library's one-line reason with the column, without its multi-line source excerpt. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const first = error.message.split('\n')[0] ?? error.message;
  const reason = first.charAt(0).toLowerCase() + first.slice(1);
  const range = 'range' in error && isPlainObject(error.range) ? error.range : undefined;
  const start = range?.start;
  return typeof start === 'number' ? `${reason} (at column ${start + 1})` : reason;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return `int ${value}`;
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number') return `double ${value}`;
  if (value instanceof Uint8Array) return 'bytes';
  return isPlainObject(value) ? 'a map' : 'a value of another type';
}

/**
 * Flux's post-build variable substitution on text: `${name}` takes the variable's value,
 * `${name:=default}` the default when the variable is not defined, and `$${name}` is an
 * escape that leaves `${name}` in the output. Written as a scanner, not a regex replace,
 * so values and content with `$&`, `$1`, `\1` and the like come out exactly as they are.
 */

/** Flux's rule for variable names. */
export const variableNamePattern = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

/** The annotation that opts one object out of substitution. */
export const substituteAnnotation = 'kustomize.toolkit.fluxcd.io/substitute';

export interface SubstituteOptions {
  /** An undefined variable without a default is an error (`StrictPostBuildSubstitutions`). */
  readonly strict?: boolean;
}

export class SubstitutionError extends Error {
  override readonly name = 'SubstitutionError';
}

/**
 * Substitutes the variables in `text`. Without strict mode an undefined variable without a
 * default becomes the empty string, as in Flux. `${...}` whose inside is not a name or
 * `name:=default` (shell syntax such as `${1}` or `${x:-y}`) is left as it is.
 */
export function substitute(
  text: string,
  variables: ReadonlyMap<string, string>,
  options: SubstituteOptions = {},
): string {
  const closing = new ClosingBraces(text);
  let out = '';
  let index = 0;
  while (index < text.length) {
    const dollar = text.indexOf('$', index);
    if (dollar < 0) break;
    out += text.slice(index, dollar);
    if (text.startsWith('$${', dollar)) {
      out += '${';
      index = dollar + 3;
      continue;
    }
    const expression = text.startsWith('${', dollar)
      ? readExpression(text, dollar, closing)
      : undefined;
    if (expression === undefined) {
      out += '$';
      index = dollar + 1;
      continue;
    }
    out += valueOf(expression, variables, options);
    index = expression.end;
  }
  return out + text.slice(index);
}

interface Expression {
  readonly name: string;
  readonly fallback: string | undefined;
  /** Index just past the closing brace. */
  readonly end: number;
}

/**
 * The next `}` at or after a position. Positions asked for only grow while scanning, so the
 * answer is remembered: the text is searched once in all, not once per `${` (which made a
 * text full of unclosed `${` quadratic).
 */
class ClosingBraces {
  private found = -1;
  private searchedFrom = -1;

  constructor(private readonly text: string) {}

  /** The index of the first `}` at or after `from`, or -1. */
  after(from: number): number {
    if (
      this.searchedFrom >= 0 &&
      from >= this.searchedFrom &&
      (this.found < 0 || this.found >= from)
    )
      return this.found;
    this.searchedFrom = from;
    this.found = this.text.indexOf('}', from);
    return this.found;
  }
}

const nameStart = /[_a-zA-Z]/y;
const nameRest = /[_a-zA-Z0-9]*/y;

/**
 * `${name}` or `${name:=default}` at `dollar`: a name, then `}` or `:=` and a default up to
 * the next `}`. Anything else is not an expression. The name is matched where it stands
 * (sticky regexes), so the cost is the length of what is read, not of the rest of the text.
 */
function readExpression(
  text: string,
  dollar: number,
  closing: ClosingBraces,
): Expression | undefined {
  const start = dollar + 2;
  nameStart.lastIndex = start;
  if (!nameStart.test(text)) return undefined;
  nameRest.lastIndex = start + 1;
  nameRest.test(text);
  const nameEnd = nameRest.lastIndex;
  const name = text.slice(start, nameEnd);
  if (text.startsWith('}', nameEnd)) return { name, fallback: undefined, end: nameEnd + 1 };
  if (!text.startsWith(':=', nameEnd)) return undefined;
  const close = closing.after(nameEnd + 2);
  if (close < 0) return undefined;
  return { name, fallback: text.slice(nameEnd + 2, close), end: close + 1 };
}

function valueOf(
  expression: Expression,
  variables: ReadonlyMap<string, string>,
  options: SubstituteOptions,
): string {
  const value = variables.get(expression.name);
  // `:=` is the shell's: the default also stands in for an empty value.
  if (expression.fallback !== undefined && (value === undefined || value === ''))
    return expression.fallback;
  if (value !== undefined) return value;
  if (options.strict === true)
    throw new SubstitutionError(`variable '${expression.name}' is not defined`);
  return '';
}

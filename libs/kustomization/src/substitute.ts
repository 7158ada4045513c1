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
    const expression = text.startsWith('${', dollar) ? readExpression(text, dollar) : undefined;
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

function readExpression(text: string, dollar: number): Expression | undefined {
  const close = text.indexOf('}', dollar + 2);
  if (close < 0) return undefined;
  const inside = text.slice(dollar + 2, close);
  const separator = inside.indexOf(':=');
  const name = separator < 0 ? inside : inside.slice(0, separator);
  if (!variableNamePattern.test(name)) return undefined;
  return {
    name,
    fallback: separator < 0 ? undefined : inside.slice(separator + 2),
    end: close + 1,
  };
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

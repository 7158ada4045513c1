/**
 * Flux's post-build variable substitution on text, with the grammar and the meanings of
 * fluxcd/pkg/envsubst (a drone/envsubst fork): `${v}`, `${#v}`, `${v^}` `${v^^}` `${v,}`
 * `${v,,}`, `${v:pos}` `${v:pos:len}`, `${v#p}` `${v##p}` `${v%p}` `${v%%p}` (globs),
 * `${v/a/b}` `${v//a/b}` `${v/#a/b}` `${v/%a/b}` (literal text), the defaults `${v:-d}`
 * `${v:=d}` `${v=d}` `${v-d}` (a default may hold `${...}`), and `$$` for one `$` (so
 * `$${v}` leaves `${v}`). Where envsubst differs from bash, envsubst's answer is the one given
 * (see the forms test). Text that envsubst cannot parse (`${a.b}`, an unclosed `${`) is left
 * as written, as Tide always did, where Flux fails the build.
 *
 * Written as a scanner over the text, never as a RegExp built from it: every `${` is parsed
 * at most once (results are remembered by position), so the cost is linear in the text; a
 * glob runs as a state set over the value; nesting deeper than maxNesting and results longer
 * than maxResultLength are refused.
 */
import { BadPatternError, GlobPattern } from './glob.js';

/** Flux's rule for variable names. */
export const variableNamePattern = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

/** The annotation that opts one object out of substitution. */
export const substituteAnnotation = 'kustomize.toolkit.fluxcd.io/substitute';

/** `${...}` nested deeper than this is left as written. */
export const maxNesting = 64;
/** No substituted text (or value inside it) may be longer than this many UTF-16 code units. */
export const maxResultLength = 32 * 1024 * 1024;
/** A glob over a value costs at most value length × pattern size steps. */
const maxGlobSteps = 64 * 1024 * 1024;

export interface SubstituteOptions {
  /** An undefined variable without a default is an error (`StrictPostBuildSubstitutions`). */
  readonly strict?: boolean;
}

export class SubstitutionError extends Error {
  override readonly name = 'SubstitutionError';
}

/**
 * Substitutes the variables in `text`. Without strict mode an undefined variable becomes the
 * empty string, as in Flux; in strict mode it is an error unless the form supplies a default.
 */
export function substitute(
  text: string,
  variables: ReadonlyMap<string, string>,
  options: SubstituteOptions = {},
): string {
  return new Substitution(text, variables, options.strict === true).run();
}

/** What a parsed `${...}` came to: its text, or the error its evaluation raised. */
type Evaluated =
  | { readonly end: number; readonly value: string; readonly error?: undefined }
  | { readonly end: number; readonly error: SubstitutionError };

/** The forms that supply a value for an undefined variable (no strict-mode error). */
const defaultOperators = new Set(['-', '=', ':-', ':=', ':?', ':+']);

const nameChar = /[\p{L}\p{Nd}_]/u;

class Substitution {
  private position = 0;
  /** `${` positions known not to parse. */
  private readonly failed: Uint8Array;
  /** `${` positions parsed inside an expression that itself failed. */
  private readonly parsed = new Map<number, Evaluated>();

  constructor(
    private readonly text: string,
    private readonly variables: ReadonlyMap<string, string>,
    private readonly strict: boolean,
  ) {
    this.failed = new Uint8Array(text.length);
  }

  run(): string {
    const text = this.text;
    let out = '';
    // Text from `literal` on is copied only when something replaces what follows it, so a
    // text full of `${` that do not parse costs no concatenation per `$`.
    let literal = 0;
    let index = 0;
    while (index < text.length) {
      const dollar = text.indexOf('$', index);
      if (dollar < 0) break;
      if (text.startsWith('$$', dollar)) {
        out += text.slice(literal, dollar + 1);
        literal = index = dollar + 2;
        continue;
      }
      const result = text.startsWith('${', dollar) ? this.expressionAt(dollar, 0) : undefined;
      if (result === undefined) {
        index = dollar + 1;
        continue;
      }
      if (result.error !== undefined) throw result.error;
      out += text.slice(literal, dollar) + result.value;
      checkLength(out.length);
      literal = index = result.end;
    }
    return out + text.slice(literal);
  }

  /** The `${...}` at `start`, parsed and evaluated; undefined when it does not parse. */
  private expressionAt(start: number, depth: number): Evaluated | undefined {
    if (this.failed[start] === 1) return undefined;
    const known = this.parsed.get(start);
    if (known !== undefined) {
      this.position = known.end;
      return known;
    }
    if (depth > maxNesting) return undefined;
    this.position = start + 2;
    const result = this.parseBody(depth);
    if (result === undefined) this.failed[start] = 1;
    else this.parsed.set(start, result);
    return result;
  }

  /** After `${`: the name, the operator, its arguments and the closing brace. */
  private parseBody(depth: number): Evaluated | undefined {
    const text = this.text;
    if (text[this.position] === '#') {
      this.position += 1;
      const name = this.readName();
      if (name === undefined || !this.take('}')) return undefined;
      return this.evaluate(name, '#', []);
    }
    const name = this.readName();
    if (name === undefined) return undefined;
    const char = text[this.position];
    switch (char) {
      case '}':
        this.position += 1;
        return this.evaluate(name, '', []);
      case ':': {
        const next = text[this.position + 1] ?? '';
        if ('=-?+'.includes(next) && next !== '') {
          this.position += 2;
          return this.defaultForm(name, `:${next}`, depth);
        }
        this.position += 1;
        return this.substringForm(name, depth);
      }
      case '=':
      case '-':
        this.position += 1;
        return this.defaultForm(name, char, depth);
      case ',':
      case '^': {
        const operator = this.takeRun(',^', 2);
        if (!this.take('}')) return undefined;
        return this.evaluate(name, operator, []);
      }
      case '/':
        return this.replaceForm(name, depth);
      case '#':
      case '%': {
        const operator = this.takeRun(char, 2);
        const pattern = this.readArgument(depth, '}', false);
        if (pattern === undefined || !this.take('}')) return undefined;
        return this.evaluate(name, operator, [pattern]);
      }
      default:
        return undefined;
    }
  }

  /** `${v:-d}` and the like: any mix of text and `${...}` up to the closing brace. */
  private defaultForm(name: string, operator: string, depth: number): Evaluated | undefined {
    const args: Argument[] = [];
    while (!this.take('}')) {
      const arg = this.readArgument(depth, '}', false);
      if (arg === undefined) return undefined;
      args.push(arg);
    }
    return this.evaluate(name, operator, args);
  }

  /** `${v:pos}` or `${v:pos:len}`: one token each. */
  private substringForm(name: string, depth: number): Evaluated | undefined {
    const offset = this.readArgument(depth, ':}', false);
    if (offset === undefined) return undefined;
    if (this.take('}')) return this.evaluate(name, ':', [offset]);
    if (this.takeRun(':', Infinity) === '') return undefined;
    const length = this.readArgument(depth, '}', false);
    if (length === undefined || !this.take('}')) return undefined;
    return this.evaluate(name, ':', [offset, length]);
  }

  /** `${v/a/b}`, `${v//a/b}`, `${v/#a/b}`, `${v/%a/b}`; `\/`, `\\` and `$$` are escapes. */
  private replaceForm(name: string, depth: number): Evaluated | undefined {
    this.position += 1;
    let operator = '/';
    const second = this.text[this.position] ?? '';
    if (second !== '' && '/#%'.includes(second)) {
      operator += second;
      this.position += 1;
    }
    let pattern: Argument | undefined = '';
    if (this.text[this.position] !== '/') pattern = this.readArgument(depth, '/', true);
    if (pattern === undefined || this.takeRun('/', Infinity) === '') return undefined;
    if (this.take('}')) return this.evaluate(name, operator, [pattern]);
    const replacement = this.readArgument(depth, '}', true);
    if (replacement === undefined || !this.take('}')) return undefined;
    return this.evaluate(name, operator, [pattern, replacement]);
  }

  /**
   * One argument token: a nested `${...}`, or text up to a stop character or a `${`. Empty
   * text is no token (undefined), as in envsubst's scanner.
   */
  private readArgument(depth: number, stops: string, escapes: boolean): Argument | undefined {
    const text = this.text;
    if (text.startsWith('${', this.position))
      return this.expressionAt(this.position, depth + 1) ?? undefined;
    let out = '';
    while (this.position < text.length) {
      const char = text[this.position] ?? '';
      if (text.startsWith('${', this.position)) break;
      const escaped = escapes ? escapeAt(text, this.position) : undefined;
      if (escaped !== undefined) {
        out += escaped;
        this.position += 2;
        continue;
      }
      if (stops.includes(char)) break;
      out += char;
      this.position += 1;
    }
    return out === '' ? undefined : out;
  }

  private readName(): string | undefined {
    const start = this.position;
    const text = this.text;
    while (this.position < text.length) {
      const code = text.charCodeAt(this.position);
      if (isAsciiNameChar(code)) {
        this.position += 1;
        continue;
      }
      if (code < 0x80) break;
      const char = String.fromCodePoint(text.codePointAt(this.position) ?? 0);
      if (!nameChar.test(char)) break;
      this.position += char.length;
    }
    return this.position === start ? undefined : text.slice(start, this.position);
  }

  private take(char: string): boolean {
    if (this.text[this.position] !== char) return false;
    this.position += 1;
    return true;
  }

  /** Up to `limit` characters from `chars`, as one operator or delimiter. */
  private takeRun(chars: string, limit: number): string {
    const start = this.position;
    while (this.position - start < limit && chars.includes(this.text[this.position] ?? '\0'))
      this.position += 1;
    return this.text.slice(start, this.position);
  }

  private evaluate(name: string, operator: string, args: readonly Argument[]): Evaluated {
    const end = this.position;
    const values: string[] = [];
    for (const arg of args) {
      if (typeof arg === 'string') values.push(arg);
      else if (arg.error !== undefined) return { end, error: arg.error };
      else values.push(arg.value);
    }
    const value = this.variables.get(name);
    if (value === undefined && this.strict && !defaultOperators.has(operator))
      return { end, error: new SubstitutionError(`variable '${name}' is not defined`) };
    try {
      const result = apply(operator, value, values);
      checkLength(result.length);
      return { end, value: result };
    } catch (error) {
      if (error instanceof SubstitutionError) return { end, error };
      throw error;
    }
  }
}

type Argument = string | Evaluated;

/** ASCII letters, digits and `_`: the names nearly every manifest uses, without a RegExp. */
function isAsciiNameChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x5f
  );
}

function escapeAt(text: string, index: number): string | undefined {
  const pair = text.slice(index, index + 2);
  if (pair === '$$') return '$';
  if (pair === '\\/' || pair === '\\\\') return pair.slice(1);
  return undefined;
}

function checkLength(length: number): void {
  if (length > maxResultLength)
    throw new SubstitutionError(`substitution result exceeds ${maxResultLength} characters`);
}

/** The meaning of each operator, as fluxcd/pkg/envsubst's functions give it. */
function apply(operator: string, variable: string | undefined, args: readonly string[]): string {
  const value = variable ?? '';
  switch (operator) {
    case '':
      return value;
    case '#':
      return args.length === 0 ? String(Buffer.byteLength(value)) : trimPrefix(value, args, false);
    case '##':
      return trimPrefix(value, args, true);
    case '%':
      return trimSuffix(value, args, false);
    case '%%':
      return trimSuffix(value, args, true);
    case '^':
      return mapFirst(value, 'upper');
    case '^^':
      return mapAll(value, 'upper');
    case ',':
      return mapFirst(value, 'lower');
    case ',,':
      return mapAll(value, 'lower');
    case ':':
      return substring(value, args);
    case '/':
      return replace(value, args[0] ?? '', args[1] ?? '', 1);
    case '//':
      return replace(value, args[0] ?? '', args[1] ?? '', Infinity);
    case '/#':
      if (args.length !== 2 || !value.startsWith(args[0] ?? '')) return value;
      return (args[1] ?? '') + value.slice((args[0] ?? '').length);
    case '/%':
      if (args.length !== 2 || !value.endsWith(args[0] ?? '')) return value;
      return value.slice(0, value.length - (args[0] ?? '').length) + (args[1] ?? '');
    case '-':
      // Documented by Flux as bash's "default when not set"; envsubst's parser rejects it.
      return variable === undefined ? args.join('') : value;
    default:
      // `=`, `:=`, `:-`, `:?`, `:+` and unknown casing runs: envsubst's toDefault, whose
      // default stands in for an empty value too.
      return value === '' ? args.join('') : value;
  }
}

function caseOf(char: string, to: 'upper' | 'lower'): string {
  const mapped = to === 'upper' ? char.toUpperCase() : char.toLowerCase();
  // Go maps one rune to one rune; a mapping that expands (ß → SS) leaves the rune.
  return Array.from(mapped).length === 1 ? mapped : char;
}

function mapFirst(value: string, to: 'upper' | 'lower'): string {
  const first = String.fromCodePoint(value.codePointAt(0) ?? 0);
  return value === '' ? '' : caseOf(first, to) + value.slice(first.length);
}

function mapAll(value: string, to: 'upper' | 'lower'): string {
  let out = '';
  for (const char of value) out += caseOf(char, to);
  return out;
}

/** envsubst's toSubstr: offsets in UTF-8 bytes, a negative offset or length from the end. */
function substring(value: string, args: readonly string[]): string {
  const bytes = Buffer.from(value);
  let offset = parseGoInt(args[0] ?? '');
  if (offset === undefined) return value;
  if (offset < 0) offset = Math.max(0, bytes.length + offset);
  if (args.length < 2) return offset < bytes.length ? bytes.subarray(offset).toString() : '';
  const length = parseGoInt(args[1] ?? '');
  if (length === undefined) return value;
  if (length < 0) {
    const end = bytes.length + length;
    return end < offset ? '' : bytes.subarray(offset, end).toString();
  }
  if (offset + length >= bytes.length)
    return offset < bytes.length ? bytes.subarray(offset).toString() : '';
  return bytes.subarray(offset, offset + length).toString();
}

/** Go's strconv.Atoi: optional sign, decimal digits, nothing else. */
function parseGoInt(text: string): number | undefined {
  if (!/^[+-]?[0-9]{1,18}$/.test(text)) return undefined;
  return Number(text);
}

/** Go's strings.Replace: literal text; an empty `old` matches before each character and at the end. */
function replace(value: string, old: string, replacement: string, limit: number): string {
  if (old === '') {
    const chars = Array.from(value);
    const count = Math.min(limit, chars.length + 1);
    checkLength(value.length + count * replacement.length);
    let out = '';
    for (let index = 0; index < chars.length; index += 1)
      out += (index < count ? replacement : '') + (chars[index] ?? '');
    return count > chars.length ? out + replacement : out;
  }
  let out = '';
  let from = 0;
  let done = 0;
  while (done < limit) {
    const found = value.indexOf(old, from);
    if (found < 0) break;
    out += value.slice(from, found) + replacement;
    checkLength(out.length);
    from = found + old.length;
    done += 1;
  }
  return out + value.slice(from);
}

/**
 * envsubst's trimShortest/trimLongest: the shortest (or longest) non-empty prefix the glob
 * matches is removed; a bad pattern leaves the value.
 */
function trimPrefix(value: string, args: readonly string[], longest: boolean): string {
  const source = args[0];
  if (source === undefined) return value;
  let pattern: GlobPattern;
  try {
    pattern = GlobPattern.compile(source);
  } catch (error) {
    if (error instanceof BadPatternError) return value;
    throw error;
  }
  if (value.length * Math.max(1, pattern.size) > maxGlobSteps)
    throw new SubstitutionError(
      `pattern '${source}' over a value of ${value.length} characters is too costly`,
    );
  const lengths = pattern.matchingPrefixes(value, !longest);
  const cut = longest ? lengths.at(-1) : lengths[0];
  return cut === undefined ? value : value.slice(cut);
}

/** envsubst's suffix forms: the prefix forms on the value and the pattern reversed. */
function trimSuffix(value: string, args: readonly string[], longest: boolean): string {
  const source = args[0];
  if (source === undefined) return value;
  return reverse(trimPrefix(reverse(value), [reverse(source)], longest));
}

function reverse(text: string): string {
  return Array.from(text).reverse().join('');
}

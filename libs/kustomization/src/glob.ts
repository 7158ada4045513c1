/**
 * The glob patterns of `${v#p}`, `${v##p}`, `${v%p}` and `${v%%p}`, with the rules of Go's
 * `path.Match` that Flux's envsubst uses: `*` is any run of characters but `/`, `?` one
 * character but `/`, `[...]` a class (`^` negates, `a-z` ranges, `\` escapes), `\c` the
 * character c. Tenant text is never turned into a RegExp: a pattern is compiled into tokens
 * and run as a set of states over the value, once, so the cost is at most the value's length
 * times the pattern's, never exponential.
 */

type Token =
  | { readonly kind: 'char'; readonly char: string }
  | { readonly kind: 'any' }
  | { readonly kind: 'star' }
  | {
      readonly kind: 'class';
      readonly negated: boolean;
      readonly ranges: readonly (readonly [number, number])[];
    };

/** A pattern Go's `path.Match` rejects (ErrBadPattern): Flux then leaves the value alone. */
export class BadPatternError extends Error {
  override readonly name = 'BadPatternError';
}

export class GlobPattern {
  private constructor(private readonly tokens: readonly Token[]) {}

  /** Compiles `pattern`, or throws BadPatternError where Go's path.Match would. */
  static compile(pattern: string): GlobPattern {
    const chars = Array.from(pattern);
    const tokens: Token[] = [];
    let index = 0;
    while (index < chars.length) {
      const char = chars[index] ?? '';
      index += 1;
      if (char === '*') {
        if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
      } else if (char === '?') tokens.push({ kind: 'any' });
      else if (char === '\\') {
        const escaped = chars[index];
        if (escaped === undefined) throw new BadPatternError('trailing backslash');
        tokens.push({ kind: 'char', char: escaped });
        index += 1;
      } else if (char === '[') {
        const [token, next] = readClass(chars, index);
        tokens.push(token);
        index = next;
      } else tokens.push({ kind: 'char', char });
    }
    return new GlobPattern(tokens);
  }

  /** How many tokens the pattern has: with the value's length, the cost of a match. */
  get size(): number {
    return this.tokens.length;
  }

  /**
   * The lengths (in UTF-16 code units, at character boundaries) of the non-empty prefixes of
   * `value` that the whole pattern matches, ascending. `firstOnly` stops at the shortest.
   */
  matchingPrefixes(value: string, firstOnly: boolean): number[] {
    const found: number[] = [];
    const count = this.tokens.length;
    let states = this.closure([0]);
    let position = 0;
    for (const char of value) {
      position += char.length;
      const next: number[] = [];
      for (const state of states) {
        const token = this.tokens[state];
        if (token === undefined) continue;
        if (token.kind === 'star') {
          if (char !== '/') next.push(state);
        } else if (matches(token, char)) next.push(state + 1);
      }
      states = this.closure(next);
      if (states.length === 0) break;
      if (states.includes(count)) {
        found.push(position);
        if (firstOnly) break;
      }
    }
    return found;
  }

  /** The states plus those reached by letting a `*` match nothing, without duplicates. */
  private closure(states: readonly number[]): number[] {
    const seen = new Set<number>();
    for (let state of states) {
      while (!seen.has(state)) {
        seen.add(state);
        if (this.tokens[state]?.kind !== 'star') break;
        state += 1;
      }
    }
    return [...seen];
  }
}

function matches(token: Exclude<Token, { kind: 'star' }>, char: string): boolean {
  switch (token.kind) {
    case 'char':
      return token.char === char;
    case 'any':
      return char !== '/';
    case 'class': {
      const code = char.codePointAt(0) ?? 0;
      const inside = token.ranges.some(([low, high]) => code >= low && code <= high);
      return inside !== token.negated;
    }
  }
}

/** A `[...]` class starting after its `[`; Go's rules: non-empty, `-` and `]` escaped. */
function readClass(chars: readonly string[], start: number): [Token, number] {
  let index = start;
  let negated = false;
  if (chars[index] === '^') {
    negated = true;
    index += 1;
  }
  const ranges: (readonly [number, number])[] = [];
  for (;;) {
    if (chars[index] === ']' && ranges.length > 0)
      return [{ kind: 'class', negated, ranges }, index + 1];
    const [low, afterLow] = classChar(chars, index);
    let high = low;
    index = afterLow;
    if (chars[index] === '-') {
      [high, index] = classChar(chars, index + 1);
    }
    ranges.push([low, high]);
  }
}

function classChar(chars: readonly string[], index: number): [number, number] {
  let char = chars[index];
  if (char === undefined || char === '-' || char === ']')
    throw new BadPatternError('malformed character class');
  if (char === '\\') {
    char = chars[index + 1];
    if (char === undefined) throw new BadPatternError('trailing backslash in class');
    return [char.codePointAt(0) ?? 0, index + 2];
  }
  return [char.codePointAt(0) ?? 0, index + 1];
}

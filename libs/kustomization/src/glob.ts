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
    // Two state lists and a mark per state (the step that last added it): no allocation per
    // character, each state visited at most once per character.
    const marks = new Int32Array(count + 1).fill(-1);
    let states = new Int32Array(count + 1);
    let next = new Int32Array(count + 1);
    let size = this.addState(0, states, 0, marks, 0);
    let step = 0;
    let position = 0;
    for (const char of value) {
      step += 1;
      position += char.length;
      let nextSize = 0;
      let accepted = false;
      for (let index = 0; index < size; index += 1) {
        const state = states[index] ?? count;
        const token = this.tokens[state];
        if (token === undefined) continue;
        let target = -1;
        if (token.kind === 'star') {
          if (char !== '/') target = state;
        } else if (matches(token, char)) target = state + 1;
        if (target >= 0) nextSize = this.addState(target, next, nextSize, marks, step);
      }
      [states, next] = [next, states];
      size = nextSize;
      if (size === 0) break;
      for (let index = 0; index < size; index += 1) if (states[index] === count) accepted = true;
      if (accepted) {
        found.push(position);
        if (firstOnly) break;
      }
    }
    return found;
  }

  /** Adds a state, and those a `*` matching nothing reaches from it, once per step. */
  private addState(
    from: number,
    list: Int32Array,
    size: number,
    marks: Int32Array,
    step: number,
  ): number {
    let state = from;
    let length = size;
    while (state <= this.tokens.length && marks[state] !== step) {
      marks[state] = step;
      list[length] = state;
      length += 1;
      if (this.tokens[state]?.kind !== 'star') break;
      state += 1;
    }
    return length;
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

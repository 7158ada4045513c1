/**
 * Serializes resources exactly as `kustomize build` prints them. kustomize turns each resource
 * into JSON and back into YAML through go-yaml v2, so its output has go-yaml v2's shape: map keys
 * in go-yaml's "natural" order (not the input order), two-space indentation, sequences not
 * indented under their key, plain scalars folded past column 80, literal blocks for multi-line
 * strings, and quoting decided by libyaml's scalar analysis plus YAML 1.1 type resolution.
 */
import { KustomizeError } from '../errors.js';
import { isMap, type Value, type ValueMap } from '../value.js';
import { formatNumber, resolvesToNonString } from './scalars.js';

const bestWidth = 80;
const bestIndent = 2;
/** libyaml refuses simple (`key: value`) keys longer than this. */
const maxSimpleKeyLength = 128;

/** Prints one resource as a YAML document (without the `---` separator). */
export function emitDocument(value: Value): string {
  const emitter = new Emitter();
  emitter.document(value);
  return emitter.text();
}

/** Prints resources the way kustomize joins them: documents separated by `---`. */
export function emitDocuments(values: readonly Value[]): string {
  return values.map((value) => emitDocument(value)).join('---\n');
}

type ScalarStyle = 'plain' | 'single' | 'double' | 'literal';

class Emitter {
  private readonly parts: string[] = [];
  private column = 0;

  text(): string {
    return this.parts.join('');
  }

  document(value: Value): void {
    if (isMap(value) && Object.keys(value).length > 0) {
      this.mapping(value, 0, false);
    } else if (Array.isArray(value) && value.length > 0) {
      this.sequence(value, 0, false);
    } else {
      this.node(value, bestIndent);
      this.endLine();
    }
  }

  private mapping(map: ValueMap, indent: number, firstInline: boolean): void {
    sortKeys(Object.keys(map)).forEach((key, index) => {
      if (index > 0 || !firstInline) this.pad(indent);
      this.key(key);
      this.write(':');
      this.valueAfterIndicator(map[key] as Value, indent + bestIndent, indent);
    });
  }

  private sequence(list: readonly Value[], indent: number, firstInline: boolean): void {
    list.forEach((item, index) => {
      if (index > 0 || !firstInline) this.pad(indent);
      this.write('-');
      const inner = indent + bestIndent;
      if (isMap(item) && Object.keys(item).length > 0) {
        this.write(' ');
        this.mapping(item, inner, true);
      } else if (Array.isArray(item) && item.length > 0) {
        this.write(' ');
        this.sequence(item, inner, true);
      } else {
        this.write(' ');
        this.node(item, inner);
        this.endLine();
      }
    });
  }

  /** The value of a mapping entry; sequences under a key sit at the key's own indentation. */
  private valueAfterIndicator(value: Value, inner: number, keyIndent: number): void {
    if (isMap(value) && Object.keys(value).length > 0) {
      this.endLine();
      this.mapping(value, inner, false);
    } else if (Array.isArray(value) && value.length > 0) {
      this.endLine();
      this.sequence(value, keyIndent, false);
    } else {
      this.write(' ');
      this.node(value, inner);
      this.endLine();
    }
  }

  /** An empty collection or a scalar, written from the current column. */
  private node(value: Value, indent: number): void {
    if (Array.isArray(value)) this.write('[]');
    else if (isMap(value)) this.write('{}');
    else if (typeof value === 'string') this.string(value, indent, false);
    else this.write(scalarText(value));
  }

  private key(key: string): void {
    if (key.length > maxSimpleKeyLength || /[\n\r\u0085\u2028\u2029]/.test(key)) {
      throw new KustomizeError(
        `cannot print map key ${JSON.stringify(key.slice(0, 40))}: keys longer than ` +
          `${maxSimpleKeyLength} characters or spanning lines are not supported`,
      );
    }
    this.string(key, 0, true);
  }

  private string(value: string, indent: number, simpleKey: boolean): void {
    const chars = Array.from(value);
    const style = chooseStyle(value, chars, simpleKey);
    const allowBreaks = !simpleKey;
    if (style === 'plain') this.plain(chars, indent, allowBreaks);
    else if (style === 'single') this.singleQuoted(chars, indent, allowBreaks);
    else if (style === 'double') this.doubleQuoted(chars, indent, allowBreaks);
    else this.literal(chars, indent);
  }

  private plain(chars: readonly string[], indent: number, allowBreaks: boolean): void {
    this.folded(chars, indent, allowBreaks, plainQuoting);
  }

  private singleQuoted(chars: readonly string[], indent: number, allowBreaks: boolean): void {
    this.write("'");
    this.folded(chars, indent, allowBreaks, singleQuoting);
    this.write("'");
  }

  private doubleQuoted(chars: readonly string[], indent: number, allowBreaks: boolean): void {
    this.write('"');
    const quoting = chars[0] === '\ufeff' ? bomDoubleQuoting : doubleQuoting;
    this.folded(chars, indent, allowBreaks, quoting);
    this.write('"');
  }

  /**
   * A flow scalar's body as go-yaml writes it: each char through the style's escaping; a
   * single space past the best width may become a line break where the style allows one
   * (a double-quoted scalar folds before a second space too, escaping it with `\`).
   */
  private folded(
    chars: readonly string[],
    indent: number,
    allowBreaks: boolean,
    quoting: FlowQuoting,
  ): void {
    let spaces = false;
    let breaks = false;
    const last = chars.length - 1;
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i] ?? '';
      if (quoting.keepsBreaks === true && unicodeBreaks.has(c)) {
        // libyaml copies the break and indents the next character as on a new line.
        this.write(c);
        this.column = 0;
        breaks = true;
        continue;
      }
      if (c !== ' ' || quoting.escapesSpaces === true) {
        if (breaks) this.pad(indent - this.column);
        this.write(quoting.escape(c));
        spaces = false;
        breaks = false;
        continue;
      }
      const nextIsSpace = chars[i + 1] === ' ';
      const fold =
        allowBreaks &&
        !spaces &&
        this.column > bestWidth &&
        (quoting.foldAtEnds || (i !== 0 && i !== last)) &&
        (quoting.foldBeforeSpace || !nextIsSpace);
      if (fold) {
        this.breakLine(indent);
        if (nextIsSpace) this.write('\\');
      } else {
        this.write(c);
      }
      spaces = true;
    }
  }

  private literal(chars: readonly string[], indent: number): void {
    this.write('|');
    const first = chars[0];
    if (first === ' ' || (first !== undefined && isBreak(first.codePointAt(0) ?? 0))) {
      this.write(String(bestIndent));
    }
    const lastChar = chars[chars.length - 1];
    const beforeLast = chars[chars.length - 2];
    if (lastChar === undefined || !isBreak(lastChar.codePointAt(0) ?? 0)) {
      this.write('-');
    } else if (chars.length === 1 || isBreak(beforeLast?.codePointAt(0) ?? 0)) {
      this.write('+');
    }
    this.newline();
    let atLineStart = true;
    for (const c of chars) {
      if (isBreak(c.codePointAt(0) ?? 0)) {
        this.newline();
        atLineStart = true;
      } else {
        if (atLineStart) this.pad(indent);
        atLineStart = false;
        this.write(c);
      }
    }
  }

  private breakLine(indent: number): void {
    this.endLine();
    this.pad(indent);
  }

  private pad(indent: number): void {
    if (indent > 0) this.write(' '.repeat(indent));
  }

  /** Ends the current line unless a literal block already ended it. */
  private endLine(): void {
    if (this.column > 0) this.newline();
  }

  private newline(): void {
    this.parts.push('\n');
    this.column = 0;
  }

  private write(text: string): void {
    this.parts.push(text);
    this.column += text.length;
  }
}

function scalarText(value: Exclude<Value, string | Value[] | ValueMap>): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new KustomizeError(`unsupported value ${String(value)}: not representable in JSON`);
  }
  return formatNumber(value);
}

/** go-yaml v2 picks a style, then libyaml demotes it when the text forbids it. */
function chooseStyle(value: string, chars: readonly string[], simpleKey: boolean): ScalarStyle {
  let style: ScalarStyle;
  if (resolvesToNonString(value)) style = 'double';
  else if (value.includes('\n')) style = 'literal';
  else style = 'plain';
  const analysis = analyzeScalar(chars);
  if (style === 'plain' && !analysis.blockPlainAllowed) style = 'single';
  if (style === 'single' && !analysis.singleQuotedAllowed) style = 'double';
  if (style === 'literal' && (!analysis.blockAllowed || simpleKey)) style = 'double';
  return style;
}

interface ScalarAnalysis {
  readonly blockPlainAllowed: boolean;
  readonly singleQuotedAllowed: boolean;
  readonly blockAllowed: boolean;
}

const firstCharIndicators = new Set(Array.from('#,[]{}&*!|>\'"%@`'));

/** libyaml's analysis of which scalar styles can represent a text. */
function analyzeScalar(chars: readonly string[]): ScalarAnalysis {
  if (chars.length === 0) {
    return { blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  }
  let blockIndicators = false;
  const head = chars.slice(0, 3).join('');
  if (head === '---' || head === '...') blockIndicators = true;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  let lineBreaks = false;
  let special = false;
  let precededByWhitespace = true;
  const last = chars.length - 1;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? '';
    const code = c.codePointAt(0) ?? 0;
    const followedByWhitespace = isBlankOrEnd(chars[i + 1]);
    if (i === 0) {
      if (firstCharIndicators.has(c)) blockIndicators = true;
      if ((c === '?' || c === ':') && followedByWhitespace) blockIndicators = true;
      if (c === '-' && followedByWhitespace) blockIndicators = true;
    } else {
      if (c === ':' && followedByWhitespace) blockIndicators = true;
      if (c === '#' && precededByWhitespace) blockIndicators = true;
    }
    if (!isPrintable(code)) special = true;
    if (isBreak(code)) lineBreaks = true;
    if (c === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(code)) {
      if (i === 0) leadingBreak = true;
      if (i === last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousBreak = true;
      previousSpace = false;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankOrEnd(c);
  }
  let blockPlainAllowed = true;
  let singleQuotedAllowed = true;
  let blockAllowed = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlainAllowed = false;
  if (trailingSpace) blockAllowed = false;
  if (breakSpace) {
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
  }
  if (spaceBreak || special) {
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
    blockAllowed = false;
  }
  if (lineBreaks) blockPlainAllowed = false;
  if (blockIndicators) blockPlainAllowed = false;
  return { blockPlainAllowed, singleQuotedAllowed, blockAllowed };
}

function isBlankOrEnd(c: string | undefined): boolean {
  if (c === undefined || c === ' ' || c === '\t' || c === '\0') return true;
  return isBreak(c.codePointAt(0) ?? 0);
}

function isBreak(code: number): boolean {
  return code === 0x0a || code === 0x0d || code === 0x85 || code === 0x2028 || code === 0x2029;
}

function isPrintable(code: number): boolean {
  return (
    code === 0x0a ||
    (code >= 0x20 && code <= 0x7e) ||
    (code >= 0xa0 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd && code !== 0xfeff)
  );
}

const namedEscapes = new Map<number, string>([
  [0x00, '\\0'],
  [0x07, '\\a'],
  [0x08, '\\b'],
  [0x09, '\\t'],
  [0x0a, '\\n'],
  [0x0b, '\\v'],
  [0x0c, '\\f'],
  [0x0d, '\\r'],
  [0x1b, '\\e'],
  [0x22, '\\"'],
  [0x5c, '\\\\'],
  [0x85, '\\N'],
  [0xa0, '\\_'],
  [0x2028, '\\L'],
  [0x2029, '\\P'],
]);

function escape(code: number): string {
  const named = namedEscapes.get(code);
  if (named !== undefined) return named;
  const hex = code.toString(16).toUpperCase();
  if (code <= 0xff) return `\\x${hex.padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${hex.padStart(4, '0')}`;
  return `\\U${hex.padStart(8, '0')}`;
}

const letter = /^\p{L}$/u;
const digit = /^\p{Nd}$/u;

/**
 * go-yaml v2's key order: letters by code point, runs of digits by numeric value. For some keys
 * led by digits ("10", "1Ab", "2") that comparison is not transitive, and kustomize then prints
 * a different order from run to run (Go randomizes map iteration); this prints one of them.
 */
export function sortKeys(keys: readonly string[]): string[] {
  return [...keys].sort(compareKeys);
}

function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  return keyLess(a, b) ? -1 : 1;
}

function keyLess(a: string, b: string): boolean {
  const ar = Array.from(a);
  const br = Array.from(b);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ac = ar[i] ?? '';
    const bc = br[i] ?? '';
    if (ac === bc) continue;
    const aLetter = letter.test(ac);
    const bLetter = letter.test(bc);
    if (aLetter && bLetter) return codeOf(ac) < codeOf(bc);
    if (aLetter || bLetter) return bLetter;
    let an = 0n;
    let bn = 0n;
    if (ac === '0' || bc === '0') {
      for (let j = i - 1; j >= 0 && digit.test(ar[j] ?? ''); j--) {
        if (ar[j] !== '0') {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && digit.test(ar[ai] ?? ''); ai++) {
      an = BigInt.asIntN(64, an * 10n + BigInt(codeOf(ar[ai] ?? '') - 48));
    }
    let bi = i;
    for (; bi < br.length && digit.test(br[bi] ?? ''); bi++) {
      bn = BigInt.asIntN(64, bn * 10n + BigInt(codeOf(br[bi] ?? '') - 48));
    }
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return codeOf(ac) < codeOf(bc);
  }
  return ar.length < br.length;
}

function codeOf(c: string): number {
  return c.codePointAt(0) ?? 0;
}

/** How one flow style writes its chars and where it may fold a space into a line break. */
interface FlowQuoting {
  escape(c: string): string;
  /** A space at the first or last position may fold. */
  readonly foldAtEnds: boolean;
  /** A space followed by another space may fold. */
  readonly foldBeforeSpace: boolean;
  /** Spaces are escaped like any other character (so none folds). */
  readonly escapesSpaces?: boolean;
  /** Line and paragraph separators are written as breaks (single-quoted only). */
  readonly keepsBreaks?: boolean;
}

const plainQuoting: FlowQuoting = {
  escape: (c) => c,
  foldAtEnds: true,
  foldBeforeSpace: false,
};

/** Line and paragraph separators: single-quoted scalars may hold them, written as they are. */
const unicodeBreaks = new Set(['\u2028', '\u2029']);

const singleQuoting: FlowQuoting = {
  keepsBreaks: true,
  escape: (c) => (c === "'" ? "''" : c),
  foldAtEnds: false,
  foldBeforeSpace: false,
};

const doubleQuoting: FlowQuoting = {
  escape: (c) => {
    const code = c.codePointAt(0) ?? 0;
    const special =
      !isPrintable(code) || code === 0xfeff || isBreak(code) || c === '"' || c === '\\';
    return special ? escape(code) : c;
  },
  foldAtEnds: false,
  foldBeforeSpace: true,
};

/**
 * libyaml tests for a byte order mark at the start of the string, not at each character, so a
 * string that begins with one has every character escaped (spaces included, so none folds).
 */
const bomDoubleQuoting: FlowQuoting = {
  escape: (c) => escape(c.codePointAt(0) ?? 0),
  escapesSpaces: true,
  foldAtEnds: false,
  foldBeforeSpace: true,
};

/** Go text/template's lexer: turns template text into items, with Go's error wording. */

export type ItemType =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'comment'
  | 'identifier'
  | 'keyword'
  | 'field'
  | 'variable'
  | 'string'
  | 'rawString'
  | 'char'
  | 'number'
  | 'bool'
  | 'nil'
  | 'dot'
  | 'pipe'
  | 'declare'
  | 'assign'
  | 'leftParen'
  | 'rightParen'
  | 'space'
  | 'punct'
  | 'eof'
  | 'error';

export interface Item {
  readonly type: ItemType;
  readonly pos: number;
  readonly val: string;
  readonly line: number;
}

const keywords = new Set([
  'block',
  'break',
  'continue',
  'define',
  'else',
  'end',
  'if',
  'range',
  'template',
  'with',
]);

const leftDelim = '{{';
const rightDelim = '}}';
const leftComment = '/*';
const rightComment = '*/';

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

function isAlphaNumeric(c: string): boolean {
  return c === '_' || /^[\p{L}\p{Nd}]$/u.test(c);
}

/** Lexes the whole input; the last item is `eof` or `error`. */
export function lex(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let line = 1;
  let parenDepth = 0;

  const emit = (type: ItemType, start: number, end: number, startLine: number): void => {
    items.push({ type, pos: start, val: input.slice(start, end), line: startLine });
  };
  const fail = (message: string, at: number, atLine: number): Item[] => {
    items.push({ type: 'error', pos: at, val: message, line: atLine });
    return items;
  };
  const countLines = (from: number, to: number): number => {
    let n = 0;
    for (let i = from; i < to; i++) if (input[i] === '\n') n++;
    return n;
  };
  const hasLeftTrim = (at: number): boolean =>
    input[at] === '-' && at + 1 < input.length && isSpace(input[at + 1] ?? '');
  const rightTrimAt = (at: number): boolean =>
    isSpace(input[at] ?? '') && input[at + 1] === '-' && input.startsWith(rightDelim, at + 2);

  for (;;) {
    // Text up to the next left delimiter.
    const next = input.indexOf(leftDelim, pos);
    if (next < 0) {
      if (pos < input.length) emit('text', pos, input.length, line);
      items.push({
        type: 'eof',
        pos: input.length,
        val: '',
        line: line + countLines(pos, input.length),
      });
      return items;
    }
    let textEnd = next;
    const trimLeft = hasLeftTrim(next + leftDelim.length);
    if (trimLeft) {
      while (textEnd > pos && isSpace(input[textEnd - 1] ?? '')) textEnd--;
    }
    if (textEnd > pos) emit('text', pos, textEnd, line);
    line += countLines(pos, next);
    pos = next;

    // The action.
    const afterMarker = pos + leftDelim.length + (trimLeft ? 2 : 0);
    if (input.startsWith(leftComment, afterMarker)) {
      const close = input.indexOf(rightComment, afterMarker + leftComment.length);
      if (close < 0) return fail('unclosed comment', pos, line);
      let after = close + rightComment.length;
      let trimRight = false;
      if (rightTrimAt(after)) {
        trimRight = true;
        after += 1 + 1;
      }
      if (!input.startsWith(rightDelim, after)) {
        return fail('comment ends before closing delimiter', pos, line);
      }
      const commentLine = line;
      line += countLines(pos, after + rightDelim.length);
      items.push({
        type: 'comment',
        pos,
        val: input.slice(afterMarker, close + 2),
        line: commentLine,
      });
      pos = after + rightDelim.length;
      if (trimRight) while (pos < input.length && isSpace(input[pos] ?? '')) pos++;
      continue;
    }
    emit('leftDelim', pos, pos + leftDelim.length + (trimLeft ? 1 : 0), line);
    pos = afterMarker;

    // Inside the action.
    for (;;) {
      if (rightTrimAt(pos) || input.startsWith(rightDelim, pos)) {
        const trimRight = rightTrimAt(pos);
        if (trimRight) {
          emit('space', pos, pos + 1, line);
          pos += 2;
        }
        if (parenDepth > 0) return fail('unclosed left paren', pos, line);
        emit('rightDelim', pos, pos + rightDelim.length, line);
        pos += rightDelim.length;
        if (trimRight) {
          const start = pos;
          while (pos < input.length && isSpace(input[pos] ?? '')) pos++;
          line += countLines(start, pos);
        }
        break;
      }
      if (pos >= input.length) return fail('unclosed action', pos, line);
      const c = input[pos] ?? '';
      const start = pos;
      if (isSpace(c)) {
        while (pos < input.length && isSpace(input[pos] ?? '') && !rightTrimAt(pos)) pos++;
        if (rightTrimAt(pos) && pos === start) pos++;
        const nl = countLines(start, pos);
        emit('space', start, pos, line);
        line += nl;
        continue;
      }
      if (c === '=') {
        pos++;
        emit('assign', start, pos, line);
        continue;
      }
      if (c === ':') {
        if (input[pos + 1] !== '=') return fail('expected :=', pos, line);
        pos += 2;
        emit('declare', start, pos, line);
        continue;
      }
      if (c === '|') {
        pos++;
        emit('pipe', start, pos, line);
        continue;
      }
      if (c === '"') {
        pos++;
        for (;;) {
          const d = input[pos];
          if (d === undefined || d === '\n') return fail('unterminated quoted string', start, line);
          pos++;
          if (d === '\\') {
            if (input[pos] === undefined || input[pos] === '\n') {
              return fail('unterminated quoted string', start, line);
            }
            pos++;
          } else if (d === '"') break;
        }
        emit('string', start, pos, line);
        continue;
      }
      if (c === '`') {
        const close = input.indexOf('`', pos + 1);
        if (close < 0) return fail('unterminated raw quoted string', start, line);
        pos = close + 1;
        const nl = countLines(start, pos);
        emit('rawString', start, pos, line);
        line += nl;
        continue;
      }
      if (c === "'") {
        pos++;
        for (;;) {
          const d = input[pos];
          if (d === undefined || d === '\n')
            return fail('unterminated character constant', start, line);
          pos++;
          if (d === '\\') pos++;
          else if (d === "'") break;
        }
        emit('char', start, pos, line);
        continue;
      }
      if (c === '$') {
        pos++;
        while (pos < input.length && isAlphaNumeric(input[pos] ?? '')) pos++;
        emit('variable', start, pos, line);
        continue;
      }
      if (c === '.') {
        const d = input[pos + 1] ?? '';
        if (d >= '0' && d <= '9') {
          pos = scanNumber(input, pos);
          emit('number', start, pos, line);
          continue;
        }
        pos++;
        while (pos < input.length && isAlphaNumeric(input[pos] ?? '')) pos++;
        if (pos === start + 1) {
          emit('dot', start, pos, line);
        } else {
          emit('field', start, pos, line);
        }
        continue;
      }
      if (c === '(') {
        pos++;
        parenDepth++;
        emit('leftParen', start, pos, line);
        continue;
      }
      if (c === ')') {
        pos++;
        parenDepth--;
        if (parenDepth < 0) return fail('unexpected right paren', start, line);
        emit('rightParen', start, pos, line);
        continue;
      }
      if (c === '+' || c === '-' || (c >= '0' && c <= '9')) {
        pos = scanNumber(input, pos);
        if (isAlphaNumeric(input[pos] ?? '')) {
          return fail(`bad number syntax: "${input.slice(start, pos + 1)}"`, start, line);
        }
        emit('number', start, pos, line);
        continue;
      }
      if (isAlphaNumeric(c)) {
        while (pos < input.length && isAlphaNumeric(input[pos] ?? '')) pos++;
        const word = input.slice(start, pos);
        let type: ItemType = 'identifier';
        if (keywords.has(word)) type = 'keyword';
        else if (word === 'true' || word === 'false') type = 'bool';
        else if (word === 'nil') type = 'nil';
        emit(type, start, pos, line);
        continue;
      }
      const code = c.codePointAt(0) ?? 0;
      if (code > 0x20 && code < 0x7f) {
        pos++;
        emit('punct', start, pos, line);
        continue;
      }
      return fail(
        `unrecognized character in action: U+${code.toString(16).toUpperCase().padStart(4, '0')} '${c}'`,
        start,
        line,
      );
    }
  }
}

function scanNumber(input: string, from: number): number {
  let pos = from;
  if (input[pos] === '+' || input[pos] === '-') pos++;
  let digits = '0123456789_';
  if (input[pos] === '0' && /[xXoObB]/.test(input[pos + 1] ?? '')) {
    const base = (input[pos + 1] ?? '').toLowerCase();
    pos += 2;
    digits = base === 'x' ? '0123456789abcdefABCDEF_' : base === 'o' ? '01234567_' : '01_';
  }
  while (pos < input.length && digits.includes(input[pos] ?? '')) pos++;
  if (input[pos] === '.') {
    pos++;
    while (pos < input.length && digits.includes(input[pos] ?? '')) pos++;
  }
  const exp = digits.length === 11 ? 'eE' : digits.length > 20 ? 'pP' : '';
  if (exp !== '' && exp.includes(input[pos] ?? '')) {
    pos++;
    if (input[pos] === '+' || input[pos] === '-') pos++;
    while (pos < input.length && '0123456789_'.includes(input[pos] ?? '')) pos++;
  }
  if (input[pos] === 'i') pos++;
  return pos;
}

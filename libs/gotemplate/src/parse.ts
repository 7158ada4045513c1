/** Go text/template's parser: items to trees, with Go's error wording. */
import { TemplateParseError } from './errors.js';
import { lex, type Item } from './lex.js';

export interface Located {
  readonly pos: number;
  readonly line: number;
}
export interface TextNode extends Located {
  readonly type: 'text';
  readonly text: string;
}
export interface FieldNode extends Located {
  readonly type: 'field';
  readonly idents: readonly string[];
}
export interface VariableNode extends Located {
  readonly type: 'variable';
  readonly idents: readonly string[];
}
export interface IdentifierNode extends Located {
  readonly type: 'identifier';
  readonly name: string;
}
export interface ChainNode extends Located {
  readonly type: 'chain';
  readonly node: ArgNode;
  readonly fields: readonly string[];
}
export interface ConstNode extends Located {
  readonly type: 'dot' | 'nil' | 'bool' | 'string' | 'number';
  readonly text: string;
}
export interface PipeNode extends Located {
  readonly type: 'pipe';
  readonly decl: readonly VariableNode[];
  readonly isAssign: boolean;
  readonly cmds: readonly CommandNode[];
}
export interface CommandNode extends Located {
  readonly type: 'command';
  readonly args: readonly ArgNode[];
}
export type ArgNode = FieldNode | VariableNode | IdentifierNode | ChainNode | ConstNode | PipeNode;

export interface ActionNode extends Located {
  readonly type: 'action';
  readonly pipe: PipeNode;
}
export interface BranchNode extends Located {
  readonly type: 'if' | 'with' | 'range';
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList: ListNode | null;
}
export interface TemplateNode extends Located {
  readonly type: 'template';
  readonly name: string;
  readonly pipe: PipeNode | null;
}
export interface LoopControlNode extends Located {
  readonly type: 'break' | 'continue';
}
export interface ListNode {
  readonly type: 'list';
  readonly nodes: Node[];
}
export type Node = TextNode | ActionNode | BranchNode | TemplateNode | LoopControlNode | ListNode;

/** A parsed template: its name, its source (for line:col) and its body. */
export interface Tree {
  readonly name: string;
  /** The name of the file it was parsed from (Go's ParseName), for error locations. */
  readonly parseName: string;
  readonly source: string;
  readonly root: ListNode;
}

/** Go's String() of an argument node, as error messages show it. */
export function nodeString(node: ArgNode | CommandNode): string {
  switch (node.type) {
    case 'field':
      return node.idents.map((id) => `.${id}`).join('');
    case 'variable':
      return node.idents.join('.');
    case 'identifier':
      return node.name;
    case 'chain': {
      const inner =
        node.node.type === 'pipe' ? `(${nodeString(node.node)})` : nodeString(node.node);
      return inner + node.fields.map((f) => `.${f}`).join('');
    }
    case 'pipe': {
      const decl =
        node.decl.length > 0
          ? `${node.decl.map((v) => v.idents[0] ?? '').join(', ')} ${node.isAssign ? '=' : ':='} `
          : '';
      return decl + node.cmds.map((c) => nodeString(c)).join(' | ');
    }
    case 'command':
      return node.args
        .map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a)))
        .join(' ');
    default:
      return node.text;
  }
}

class Parser {
  private readonly items: Item[];
  private index = 0;
  private readonly name: string;
  private readonly funcs: ReadonlySet<string>;
  private readonly vars: string[][] = [['$']];
  private rangeDepth = 0;
  readonly defined = new Map<string, Tree>();
  private readonly source: string;

  constructor(name: string, source: string, funcs: ReadonlySet<string>) {
    this.name = name;
    this.source = source;
    this.funcs = funcs;
    this.items = lex(source);
  }

  private fail(item: Item, message: string): never {
    throw new TemplateParseError(this.name, item.line, message);
  }
  private peek(): Item {
    return this.items[this.index] ?? { type: 'eof', pos: this.source.length, val: '', line: 0 };
  }
  private next(): Item {
    const item = this.peek();
    if (item.type === 'error') this.fail(item, item.val);
    this.index++;
    return item;
  }
  private backup(): void {
    this.index--;
  }
  private nextNonSpace(): Item {
    let item = this.next();
    while (item.type === 'space') item = this.next();
    return item;
  }
  private peekNonSpace(): Item {
    const item = this.nextNonSpace();
    this.backup();
    return item;
  }
  private expect(type: Item['type'], context: string): Item {
    const item = this.nextNonSpace();
    if (item.type !== type) this.unexpected(item, context);
    return item;
  }
  private unexpected(item: Item, context: string): never {
    if (item.type === 'error') this.fail(item, item.val);
    const shown =
      item.type === 'eof'
        ? 'EOF'
        : item.type === 'rightDelim'
          ? '"}}"'
          : item.type === 'leftDelim'
            ? '"{{"'
            : quoteItem(item);
    this.fail(item, `unexpected ${shown} in ${context}`);
  }

  parse(): Tree {
    const root: ListNode = { type: 'list', nodes: [] };
    for (;;) {
      const item = this.peek();
      if (item.type === 'eof') break;
      if (item.type === 'leftDelim') {
        this.next();
        const kw = this.nextNonSpace();
        if (kw.type === 'keyword' && kw.val === 'define') {
          this.parseDefinition(kw);
          continue;
        }
        this.backup();
        this.backupToDelim();
      }
      const node = this.textOrAction();
      if (node.type !== 'node')
        return this.fail(
          node.item,
          `unexpected ${node.item.val === 'end' ? '{{end}}' : '{{else}}'}`,
        );
      root.nodes.push(node.node);
    }
    return { name: this.name, parseName: this.name, source: this.source, root };
  }

  /** Steps back over space items to just after the left delimiter. */
  private backupToDelim(): void {
    while ((this.items[this.index - 1]?.type ?? 'leftDelim') !== 'leftDelim') this.index--;
    this.index--;
  }

  private parseDefinition(at: Item): void {
    const nameItem = this.nextNonSpace();
    if (nameItem.type !== 'string' && nameItem.type !== 'rawString')
      this.unexpected(nameItem, 'define clause');
    const name = unquote(nameItem, (m) => this.fail(nameItem, m));
    this.expect('rightDelim', 'define clause');
    const saved = this.vars.splice(0, this.vars.length, ['$']);
    const list = this.itemList(at, 'define');
    this.vars.splice(0, this.vars.length, ...saved);
    this.defined.set(name, { name, parseName: this.name, source: this.source, root: list.list });
  }

  private itemList(at: Item, context: string): { list: ListNode; end: 'end' | 'else' } {
    const list: ListNode = { type: 'list', nodes: [] };
    for (;;) {
      if (this.peekNonSpace().type === 'eof') this.fail(at, `unexpected EOF`);
      const node = this.textOrAction();
      if (node.type === 'node') {
        list.nodes.push(node.node);
        continue;
      }
      if (node.type === 'end') return { list, end: 'end' };
      if (context === 'define' || context === 'block') this.fail(node.item, `unexpected {{else}}`);
      return { list, end: 'else' };
    }
  }

  private textOrAction(): { type: 'node'; node: Node } | { type: 'end' | 'else'; item: Item } {
    const item = this.next();
    if (item.type === 'text')
      return {
        type: 'node',
        node: { type: 'text', text: item.val, pos: item.pos, line: item.line },
      };
    if (item.type === 'comment') return { type: 'node', node: { type: 'list', nodes: [] } };
    if (item.type === 'leftDelim') return this.action();
    return this.unexpected(item, 'input');
  }

  private action(): { type: 'node'; node: Node } | { type: 'end' | 'else'; item: Item } {
    const item = this.nextNonSpace();
    if (item.type === 'keyword') {
      switch (item.val) {
        case 'block':
          return { type: 'node', node: this.blockControl(item) };
        case 'break':
        case 'continue': {
          if (this.rangeDepth === 0) this.fail(item, `{{${item.val}}} outside {{range}}`);
          const close = this.nextNonSpace();
          if (close.type !== 'rightDelim') this.unexpected(close, `{{${item.val}}}`);
          return { type: 'node', node: { type: item.val, pos: item.pos, line: item.line } };
        }
        case 'define':
          this.fail(item, 'unexpected <define> in command');
          break;
        case 'else':
          return { type: 'else', item };
        case 'end':
          this.expect('rightDelim', 'end');
          return { type: 'end', item };
        case 'if':
        case 'range':
        case 'with':
          return { type: 'node', node: this.branch(item, item.val) };
        case 'template':
          return { type: 'node', node: this.templateControl(item) };
        default:
          break;
      }
    }
    this.backup();
    const pipe = this.pipeline('command', 'rightDelim');
    return { type: 'node', node: { type: 'action', pipe, pos: item.pos, line: item.line } };
  }

  private branch(at: Item, kind: 'if' | 'range' | 'with'): BranchNode {
    this.vars.push([...(this.vars[this.vars.length - 1] ?? [])]);
    const pipe = this.pipeline(kind, 'rightDelim');
    if (kind === 'range') this.rangeDepth++;
    const { list, end } = this.itemList(at, kind);
    if (kind === 'range') this.rangeDepth--;
    let elseList: ListNode | null = null;
    if (end === 'else') {
      const nextItem = this.peekNonSpace();
      if (
        (kind === 'if' && nextItem.val === 'if') ||
        (kind === 'with' && nextItem.val === 'with')
      ) {
        // `{{else if ...}}` is `{{else}}{{if ...}}...{{end}}{{end}}` with one shared end.
        const inner = this.nextNonSpace();
        elseList = { type: 'list', nodes: [this.branch(inner, kind)] };
      } else {
        this.expect('rightDelim', 'else');
        const rest = this.itemList(at, kind);
        if (rest.end === 'else') this.fail(at, `expected end; found {{else}}`);
        elseList = rest.list;
      }
    }
    this.vars.pop();
    return { type: kind, pipe, list, elseList, pos: pipe.pos, line: at.line };
  }

  private templateControl(at: Item): TemplateNode {
    const token = this.nextNonSpace();
    if (token.type !== 'string' && token.type !== 'rawString')
      this.unexpected(token, 'template clause');
    const name = unquote(token, (m) => this.fail(token, m));
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline('template clause', 'rightDelim');
    }
    return { type: 'template', name, pipe, pos: token.pos, line: at.line };
  }

  private blockControl(at: Item): TemplateNode {
    const token = this.nextNonSpace();
    if (token.type !== 'string' && token.type !== 'rawString')
      this.unexpected(token, 'block clause');
    const name = unquote(token, (m) => this.fail(token, m));
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline('block clause', 'rightDelim');
    }
    const saved = this.vars.splice(0, this.vars.length, ['$']);
    const { list } = this.itemList(at, 'block');
    this.vars.splice(0, this.vars.length, ...saved);
    this.defined.set(name, { name, parseName: this.name, source: this.source, root: list });
    return { type: 'template', name, pipe, pos: at.pos, line: at.line };
  }

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const start = this.peekNonSpace();
    const decl: VariableNode[] = [];
    let isAssign = false;
    // Declarations: `$x :=`, `$x =`, and in range `$i, $v :=`.
    const save = this.index;
    const v = this.nextNonSpace();
    if (v.type === 'variable') {
      const after = this.nextNonSpace();
      if (after.type === 'declare' || after.type === 'assign') {
        isAssign = after.type === 'assign';
        decl.push({ type: 'variable', idents: [v.val], pos: v.pos, line: v.line });
      } else if (after.type === 'punct' && after.val === ',' && context === 'range') {
        const second = this.nextNonSpace();
        const op = this.nextNonSpace();
        if (second.type !== 'variable' || (op.type !== 'declare' && op.type !== 'assign')) {
          this.fail(second, `range can only initialize variables`);
        }
        isAssign = op.type === 'assign';
        decl.push({ type: 'variable', idents: [v.val], pos: v.pos, line: v.line });
        decl.push({ type: 'variable', idents: [second.val], pos: second.pos, line: second.line });
      } else {
        this.index = save;
      }
    } else {
      this.index = save;
    }
    if (isAssign) {
      for (const d of decl) {
        const name = d.idents[0] ?? '';
        if (!this.vars.some((scope) => scope.includes(name)))
          this.fail(start, `undefined variable "${name}"`);
      }
    } else {
      const scope = this.vars[this.vars.length - 1];
      for (const d of decl) scope?.push(d.idents[0] ?? '');
    }
    const cmds: CommandNode[] = [];
    for (;;) {
      const token = this.nextNonSpace();
      if (token.type === end) {
        if (cmds.length === 0) this.fail(token, `missing value for ${context}`);
        break;
      }
      if (
        [
          'bool',
          'char',
          'dot',
          'field',
          'identifier',
          'number',
          'nil',
          'rawString',
          'string',
          'variable',
          'leftParen',
        ].includes(token.type)
      ) {
        this.backup();
        cmds.push(this.command(end));
        continue;
      }
      if (token.type === 'error') this.fail(token, token.val);
      this.unexpected(token, context);
    }
    return { type: 'pipe', decl, isAssign, cmds, pos: start.pos, line: start.line };
  }

  private command(end: 'rightDelim' | 'rightParen'): CommandNode {
    const first = this.peekNonSpace();
    const args: ArgNode[] = [];
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== null) args.push(operand);
      const token = this.next();
      if (token.type === 'space') {
        const after = this.peekNonSpace();
        if (after.type === end || after.type === 'pipe') {
          // fall through to the checks below with the next token
        } else {
          continue;
        }
        const t2 = this.nextNonSpace();
        if (t2.type === 'pipe') {
          if (args.length === 0) this.fail(t2, 'missing command');
          return { type: 'command', args, pos: first.pos, line: first.line };
        }
        this.backup();
        return { type: 'command', args, pos: first.pos, line: first.line };
      }
      if (token.type === end) {
        this.backup();
        return { type: 'command', args, pos: first.pos, line: first.line };
      }
      if (token.type === 'pipe') {
        return { type: 'command', args, pos: first.pos, line: first.line };
      }
      if (token.type === 'error') this.fail(token, token.val);
      this.fail(token, `unexpected ${quoteItem(token)} in operand`);
    }
  }

  private operand(): ArgNode | null {
    const node = this.term();
    if (node === null) return null;
    if (this.peek().type !== 'field') return node;
    const fields: string[] = [];
    const at = this.peek();
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
    if (node.type === 'field')
      return { ...node, idents: [...node.idents, ...fields], pos: at.pos, line: at.line };
    if (node.type === 'variable')
      return { ...node, idents: [...node.idents, ...fields], pos: at.pos, line: at.line };
    if (
      node.type === 'bool' ||
      node.type === 'string' ||
      node.type === 'number' ||
      node.type === 'nil' ||
      node.type === 'dot'
    ) {
      if (node.type === 'dot') this.fail(at, `unexpected . after term "."`);
      this.fail(at, `unexpected . after term ${JSON.stringify(node.text)}`);
    }
    return { type: 'chain', node, fields, pos: at.pos, line: at.line };
  }

  private term(): ArgNode | null {
    const token = this.nextNonSpace();
    const loc = { pos: token.pos, line: token.line };
    switch (token.type) {
      case 'identifier':
        if (!this.funcs.has(token.val))
          this.fail(token, `function ${JSON.stringify(token.val)} not defined`);
        return { type: 'identifier', name: token.val, ...loc };
      case 'dot':
        return { type: 'dot', text: '.', ...loc };
      case 'nil':
        return { type: 'nil', text: 'nil', ...loc };
      case 'variable': {
        if (!this.vars.some((scope) => scope.includes(token.val)))
          this.fail(token, `undefined variable "${token.val}"`);
        return { type: 'variable', idents: [token.val], ...loc };
      }
      case 'field':
        return { type: 'field', idents: [token.val.slice(1)], ...loc };
      case 'bool':
        return { type: 'bool', text: token.val, ...loc };
      case 'char':
      case 'number':
        return { type: 'number', text: token.val, ...loc };
      case 'string':
      case 'rawString':
        unquote(token, (m) => this.fail(token, m));
        return { type: 'string', text: token.val, ...loc };
      case 'leftParen': {
        return this.pipeline('parenthesized pipeline', 'rightParen');
      }
      default:
        this.backup();
        return null;
    }
  }
}

function quoteItem(item: Item): string {
  if (item.type === 'eof') return 'EOF';
  return JSON.stringify(item.val);
}

/** Go's strconv.Unquote for the literals the lexer accepts. */
export function unquote(item: Item | { val: string }, fail: (message: string) => never): string {
  const raw = item.val;
  if (raw.startsWith('`')) return raw.slice(1, -1).replace(/\r/g, '');
  const body = raw.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? '';
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i] ?? '';
    const simple: Record<string, string> = {
      a: '\x07',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
      '\\': '\\',
      '"': '"',
      "'": "'",
    };
    const mapped = simple[e];
    if (mapped !== undefined) {
      out += mapped;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) fail(`invalid syntax`);
      out +=
        e === 'x'
          ? String.fromCharCode(parseInt(hex, 16))
          : String.fromCodePoint(parseInt(hex, 16));
      i += n;
    } else if (e >= '0' && e <= '7') {
      out += String.fromCharCode(parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else {
      fail(`invalid syntax`);
    }
  }
  return out;
}

/** Parses one template source; `{{define}}`d templates come back beside the main one. */
export function parseTemplate(
  name: string,
  source: string,
  funcs: ReadonlySet<string>,
): { tree: Tree; defined: Map<string, Tree> } {
  const parser = new Parser(name, source, funcs);
  const tree = parser.parse();
  return { tree, defined: parser.defined };
}

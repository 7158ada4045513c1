/** Go text/template's executor, with Go's semantics and error wording, and bounds. */
import { FuncError, TemplateExecError, TemplateLimitError } from './errors.js';
import { formatValue } from './fmt.js';
import {
  nodeString,
  parseTemplate,
  unquote,
  type ArgNode,
  type CommandNode,
  type ListNode,
  type Node,
  type PipeNode,
  type Tree,
} from './parse.js';
import { GoFunc, GoInt, GoStruct, isTrue, typeName, type GoValue } from './value.js';

/** The Go type a function parameter has; decides how constants and values are checked. */
export type ParamType =
  'any' | 'string' | 'int' | 'int64' | 'float64' | 'bool' | 'list' | 'map' | 'strings';

/** What a function gets besides its arguments: the executing template's state. */
export interface CallContext {
  /** Runs a named template with a dot, under the depth bound; returns its output. */
  runTemplate(name: string, dot: GoValue): string;
  /** Parses and runs template text (for `tpl`), sharing defined templates. */
  runText(name: string, text: string, dot: GoValue): string;
  readonly depth: number;
}

export interface FuncDef {
  readonly params: readonly ParamType[];
  /** The type of a trailing `...T` parameter, if the function is variadic. */
  readonly variadic?: ParamType;
  readonly fn: (args: GoValue[], ctx: CallContext) => GoValue;
}

/** Functions by name; libs/helm adds `include`, `tpl`, `toYaml` ... through this. */
export type FuncMap = ReadonlyMap<string, FuncDef>;

export interface Limits {
  /** Nested template calls (`template`, `include`) before "exceeded maximum template depth". */
  readonly maxDepth: number;
  /** Bytes of output of one execution. */
  readonly maxOutputBytes: number;
  /** Evaluation steps (nodes, commands) of one execution: bounds time. */
  readonly maxSteps: number;
}

export const defaultLimits: Limits = {
  maxDepth: 100000,
  maxOutputBytes: 64 * 1024 * 1024,
  maxSteps: 50_000_000,
};

export type MissingKey = 'invalid' | 'zero' | 'error';

/** Loop control signals, thrown through the walk to the enclosing range. */
class Break extends Error {}
class Continue extends Error {}

interface Frame {
  readonly name: string;
  value: GoValue;
}

/** A zero interface{} produced by a missing map key under missingkey=zero. */
const noValue = '<no value>';

/** A set of templates sharing definitions, functions and options, as Go's *Template. */
export class TemplateSet {
  private readonly trees = new Map<string, Tree>();
  readonly funcs: FuncMap;
  readonly limits: Limits;
  readonly missingKey: MissingKey;

  constructor(options: { funcs: FuncMap; limits?: Partial<Limits>; missingKey?: MissingKey }) {
    this.funcs = options.funcs;
    this.limits = { ...defaultLimits, ...options.limits };
    this.missingKey = options.missingKey ?? 'invalid';
  }

  private funcNames(): Set<string> {
    return new Set([...this.funcs.keys(), ...builtinNames]);
  }

  /** Parses `source` as template `name`, adding its `{{define}}`s (later ones replace earlier). */
  parse(name: string, source: string): void {
    const { tree, defined } = parseTemplate(name, source, this.funcNames());
    for (const [n, t] of defined) this.trees.set(n, t);
    const existing = this.trees.get(name);
    if (
      existing === undefined ||
      tree.root.nodes.some((n) => !(n.type === 'text' && n.text.trim() === '') && n.type !== 'list')
    ) {
      this.trees.set(name, tree);
    }
  }

  has(name: string): boolean {
    return this.trees.has(name);
  }

  /** Executes template `name` with `data` as dot and `$`. */
  execute(name: string, data: GoValue): string {
    const tree = this.trees.get(name);
    if (tree === undefined)
      throw new TemplateExecError(
        `template: no template ${JSON.stringify(name)} associated with template ${JSON.stringify(name)}`,
        'no such template',
      );
    const run = new Execution(this, this.trees);
    return run.runTree(tree, data, 0);
  }
}

const builtinNames = [
  'and',
  'or',
  'not',
  'len',
  'index',
  'slice',
  'print',
  'printf',
  'println',
  'html',
  'js',
  'urlquery',
  'call',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
];

class Execution {
  private readonly set: TemplateSet;
  private readonly trees: Map<string, Tree>;
  private steps = 0;
  private outputBytes = 0;

  constructor(set: TemplateSet, trees: Map<string, Tree>) {
    this.set = set;
    this.trees = trees;
  }

  runTree(tree: Tree, data: GoValue, depth: number): string {
    const state = new State(this, tree, [{ name: '$', value: data }], depth);
    state.walk(data, tree.root);
    return state.out.join('');
  }

  lookup(name: string): Tree | undefined {
    return this.trees.get(name);
  }

  get funcs(): FuncMap {
    return this.set.funcs;
  }
  get limits(): Limits {
    return this.set.limits;
  }
  get missingKey(): MissingKey {
    return this.set.missingKey;
  }

  parseExtra(name: string, text: string): Tree {
    const { tree, defined } = parseTemplate(
      name,
      text,
      new Set([...this.set.funcs.keys(), ...builtinNames]),
    );
    for (const [n, t] of defined) this.trees.set(n, t);
    return tree;
  }

  step(state: State, node: { pos: number }): void {
    this.steps++;
    if (this.steps > this.limits.maxSteps) {
      state.limit(node, `exceeded the maximum of ${String(this.limits.maxSteps)} evaluation steps`);
    }
  }

  wrote(state: State, bytes: number, node: { pos: number }): void {
    this.outputBytes += bytes;
    if (this.outputBytes > this.limits.maxOutputBytes) {
      state.limit(
        node,
        `output exceeds the maximum of ${String(this.limits.maxOutputBytes)} bytes`,
      );
    }
  }
}

class State {
  readonly out: string[] = [];
  private readonly run: Execution;
  private readonly tree: Tree;
  private readonly vars: Frame[];
  private readonly depth: number;
  private node: { pos: number; text: string } = { pos: 0, text: '' };

  constructor(run: Execution, tree: Tree, vars: Frame[], depth: number) {
    this.run = run;
    this.tree = tree;
    this.vars = vars;
    this.depth = depth;
  }

  private location(pos: number): string {
    const before = this.tree.source.slice(0, pos);
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const lastNl = before.lastIndexOf('\n');
    const col = lastNl < 0 ? pos : pos - (lastNl + 1);
    return `${this.tree.parseName}:${String(line)}:${String(col)}`;
  }

  private at(node: ArgNode | CommandNode): void {
    this.node = { pos: node.pos, text: nodeString(node) };
  }

  private message(detail: string): string {
    let context = this.node.text;
    if (context.length > 20) context = `${context.slice(0, 20)}...`;
    return `template: ${this.location(this.node.pos)}: executing ${JSON.stringify(this.tree.name)} at <${context}>: ${detail}`;
  }

  errorf(detail: string): never {
    throw new TemplateExecError(this.message(detail), detail);
  }

  limit(node: { pos: number }, detail: string): never {
    if (this.node.pos === 0) this.node = { pos: node.pos, text: this.node.text };
    throw new TemplateLimitError(this.message(detail), detail);
  }

  private write(text: string, node: { pos: number }): void {
    this.run.wrote(this, Buffer.byteLength(text), node);
    this.out.push(text);
  }

  walk(dot: GoValue, node: Node): void {
    switch (node.type) {
      case 'list':
        for (const child of node.nodes) this.walk(dot, child);
        return;
      case 'text':
        this.write(node.text, node);
        return;
      case 'action': {
        this.run.step(this, node);
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.write(printable(value), node);
        return;
      }
      case 'if':
      case 'with':
        this.walkIfOrWith(node.type, dot, node.pipe, node.list, node.elseList);
        return;
      case 'range':
        this.walkRange(dot, node.pipe, node.list, node.elseList);
        return;
      case 'template':
        this.walkTemplate(dot, node.name, node.pipe, node);
        return;
      case 'break':
        throw new Break();
      case 'continue':
        throw new Continue();
    }
  }

  private walkIfOrWith(
    kind: 'if' | 'with',
    dot: GoValue,
    pipe: PipeNode,
    list: ListNode,
    elseList: ListNode | null,
  ): void {
    const mark = this.vars.length;
    const value = this.evalPipeline(dot, pipe);
    if (isTrue(value)) {
      this.walk(kind === 'with' ? value : dot, list);
    } else if (elseList !== null) {
      this.walk(dot, elseList);
    }
    this.vars.length = mark;
  }

  private walkRange(dot: GoValue, pipe: PipeNode, list: ListNode, elseList: ListNode | null): void {
    const mark = this.vars.length;
    const value = this.evalPipeline(dot, pipe);
    const oneIteration = (index: GoValue, elem: GoValue): boolean => {
      if (pipe.decl.length > 0) {
        if (pipe.isAssign)
          this.setVar(pipe.decl[pipe.decl.length === 1 ? 0 : 1]?.idents[0] ?? '', elem);
        else this.setTop(1, elem);
      }
      if (pipe.decl.length > 1) {
        if (pipe.isAssign) this.setVar(pipe.decl[0]?.idents[0] ?? '', index);
        else this.setTop(2, index);
      }
      const inner = this.vars.length;
      try {
        this.walk(elem, list);
      } catch (signal: unknown) {
        if (signal instanceof Break) return false;
        if (!(signal instanceof Continue)) throw signal;
      } finally {
        this.vars.length = inner;
      }
      return true;
    };
    let ran = false;
    if (Array.isArray(value) || value instanceof Uint8Array) {
      const items = [...value];
      for (let i = 0; i < items.length; i++) {
        ran = true;
        const item = items[i] ?? null;
        if (
          !oneIteration(
            new GoInt(i),
            typeof item === 'number' && value instanceof Uint8Array
              ? new GoInt(item, 'uint8')
              : item,
          )
        )
          break;
      }
    } else if (value instanceof Map) {
      for (const key of [...value.keys()].sort()) {
        ran = true;
        if (!oneIteration(key, value.get(key) ?? null)) break;
      }
    } else if (value instanceof GoInt) {
      if (pipe.decl.length > 1)
        this.errorf(`can't use ${value.toString()} to iterate over more than one variable`);
      for (let i = 0n; i < value.value; i++) {
        ran = true;
        if (!oneIteration(new GoInt(i, value.type), new GoInt(i, value.type))) break;
      }
    } else if (value !== null) {
      this.errorf(`range can't iterate over ${formatValue(value, 'v')}`);
    }
    if (!ran && elseList !== null) this.walk(dot, elseList);
    this.vars.length = mark;
  }

  /** Range declares its variables before the loop; iteration values go into those slots. */
  private setTop(fromTop: number, value: GoValue): void {
    const frame = this.vars[this.vars.length - fromTop];
    if (frame !== undefined) frame.value = value;
  }

  private walkTemplate(
    dot: GoValue,
    name: string,
    pipe: PipeNode | null,
    node: { pos: number },
  ): void {
    const tree = this.run.lookup(name);
    if (tree === undefined) {
      this.node = {
        pos: node.pos,
        text: `{{template ${JSON.stringify(name)}${pipe === null ? '' : ` ${nodeString(pipe)}`}}}`,
      };
      this.errorf(`template ${JSON.stringify(name)} not defined`);
    }
    const newDot = pipe === null ? null : this.evalPipeline(dot, pipe);
    this.checkDepth(node);
    const inner = new State(this.run, tree, [{ name: '$', value: newDot }], this.depth + 1);
    try {
      inner.walk(newDot, tree.root);
    } finally {
      this.out.push(...inner.out);
    }
  }

  private checkDepth(node: { pos: number }): void {
    if (this.depth + 1 >= this.run.limits.maxDepth) {
      this.limit(node, `exceeded maximum template depth (${String(this.run.limits.maxDepth)})`);
    }
  }

  private context(): CallContext {
    return {
      depth: this.depth,
      runTemplate: (name: string, dot: GoValue): string => {
        const tree = this.run.lookup(name);
        if (tree === undefined)
          throw new FuncError(
            `template: no template ${JSON.stringify(name)} associated with template ${JSON.stringify(this.tree.name)}`,
          );
        this.checkDepth(this.node);
        return this.run.runTree(tree, dot, this.depth + 1);
      },
      runText: (name: string, text: string, dot: GoValue): string => {
        this.checkDepth(this.node);
        const tree = this.run.parseExtra(name, text);
        return this.run.runTree(tree, dot, this.depth + 1);
      },
    };
  }

  private setVar(name: string, value: GoValue): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const frame = this.vars[i];
      if (frame?.name === name) {
        frame.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private varValue(name: string): GoValue {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const frame = this.vars[i];
      if (frame?.name === name) return frame.value;
    }
    return this.errorf(`undefined variable: ${name}`);
  }

  evalPipeline(dot: GoValue, pipe: PipeNode): GoValue {
    let value: GoValue | undefined;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
    }
    const result = value ?? null;
    if (pipe.decl.length > 0) {
      if (pipe.isAssign) {
        for (const v of pipe.decl) this.setVar(v.idents[0] ?? '', result);
      } else {
        for (const v of pipe.decl) this.vars.push({ name: v.idents[0] ?? '', value: result });
      }
    }
    return result;
  }

  private evalCommand(dot: GoValue, cmd: CommandNode, final: GoValue | undefined): GoValue {
    this.run.step(this, cmd);
    const first = cmd.args[0];
    if (first === undefined) this.errorf('empty command');
    const rest = cmd.args.slice(1);
    switch (first.type) {
      case 'field':
        return this.evalFieldChain(dot, dot, first, first.idents, rest, final);
      case 'chain': {
        const base = this.evalArgValue(dot, first.node);
        return this.evalFieldChain(dot, base, first, first.fields, rest, final);
      }
      case 'identifier':
        return this.evalFunction(dot, first.name, first, cmd, rest, final);
      case 'pipe':
        this.notAFunction(cmd, rest, final);
        return this.evalPipeline(dot, first);
      case 'variable': {
        const base = this.varValue(first.idents[0] ?? '');
        if (first.idents.length === 1) {
          this.notAFunction(cmd, rest, final);
          return base;
        }
        return this.evalFieldChain(dot, base, first, first.idents.slice(1), rest, final);
      }
      default:
        break;
    }
    this.at(first);
    this.notAFunction(cmd, rest, final);
    if (first.type === 'nil') this.errorf('nil is not a command');
    return this.constant(first, dot);
  }

  private notAFunction(
    cmd: CommandNode,
    rest: readonly ArgNode[],
    final: GoValue | undefined,
  ): void {
    if (rest.length > 0 || final !== undefined) {
      const first = cmd.args[0];
      if (first !== undefined) this.at(first);
      this.errorf(
        `can't give argument to non-function ${first === undefined ? '' : nodeString(first)}`,
      );
    }
  }

  private constant(node: ArgNode, dot: GoValue): GoValue {
    switch (node.type) {
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'bool':
        return node.text === 'true';
      case 'string':
        return unquote({ val: node.text }, (m) => this.errorf(m));
      case 'number':
        return this.idealConstant(node.text);
      default:
        return this.errorf(`can't evaluate ${nodeString(node)}`);
    }
  }

  private idealConstant(text: string): GoValue {
    const n = parseNumber(text);
    if (n === null) this.errorf(`illegal number syntax: ${text}`);
    if (n.kind === 'float') return n.value;
    if (n.value > 9223372036854775807n || n.value < -9223372036854775808n)
      this.errorf(`${text} overflows int`);
    return new GoInt(n.value);
  }

  private evalFieldChain(
    dot: GoValue,
    receiver: GoValue,
    node: ArgNode,
    idents: readonly string[],
    args: readonly ArgNode[],
    final: GoValue | undefined,
  ): GoValue {
    let value = receiver;
    for (let i = 0; i < idents.length; i++) {
      const last = i === idents.length - 1;
      value = this.evalField(
        dot,
        idents[i] ?? '',
        node,
        last ? args : [],
        last ? final : undefined,
        value,
      );
    }
    return value;
  }

  private evalField(
    dot: GoValue,
    name: string,
    node: ArgNode,
    args: readonly ArgNode[],
    final: GoValue | undefined,
    receiver: GoValue,
  ): GoValue {
    this.at(node);
    const hasArgs = args.length > 0 || final !== undefined;
    if (receiver instanceof GoStruct) {
      const method = receiver.methods.get(name);
      if (method !== undefined) {
        const values = args.map((a) => this.evalArgValue(dot, a));
        if (final !== undefined) values.push(final);
        try {
          return method(values);
        } catch (error: unknown) {
          if (error instanceof FuncError) {
            this.at(node);
            this.errorf(`error calling ${name}: ${error.message}`);
          }
          throw error;
        }
      }
      if (receiver.fields.has(name)) {
        if (hasArgs) this.errorf(`${name} has arguments but cannot be invoked as function`);
        return receiver.fields.get(name) ?? null;
      }
      this.errorf(`can't evaluate field ${name} in type ${receiver.typeName}`);
    }
    if (receiver instanceof Map) {
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      const result = receiver.get(name);
      if (result !== undefined) return result;
      if (this.run.missingKey === 'error')
        this.errorf(`map has no entry for key ${JSON.stringify(name)}`);
      return null;
    }
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${name}`);
    return this.errorf(`can't evaluate field ${name} in type interface {}`);
  }

  private evalFunction(
    dot: GoValue,
    name: string,
    node: ArgNode,
    cmd: CommandNode,
    args: readonly ArgNode[],
    final: GoValue | undefined,
  ): GoValue {
    this.at(node);
    if ((name === 'and' || name === 'or') && !this.run.funcs.has(name))
      return this.evalAndOr(dot, name, args, final);
    // As in Go, a function in the FuncMap hides the builtin of the same name (Sprig's slice).
    const def = this.run.funcs.get(name) ?? builtins.get(name);
    if (def === undefined) this.errorf(`${JSON.stringify(name)} is not a defined function`);
    const argc = args.length + (final === undefined ? 0 : 1);
    const fixed = def.params.length;
    if (def.variadic === undefined ? argc !== fixed : argc < fixed) {
      this.errorf(
        `wrong number of args for ${name}: want ${def.variadic === undefined ? '' : 'at least '}${String(fixed)} got ${String(argc)}`,
      );
    }
    const values: GoValue[] = [];
    args.forEach((arg, i) => {
      const type = def.params[i] ?? def.variadic ?? 'any';
      values.push(this.evalTypedArg(dot, arg, type));
    });
    if (final !== undefined) {
      const type = def.params[args.length] ?? def.variadic ?? 'any';
      values.push(this.checkType(final, type));
    }
    try {
      return def.fn(values, this.context());
    } catch (error: unknown) {
      if (error instanceof FuncError) {
        this.at(cmd);
        this.errorf(`error calling ${name}: ${error.message}`);
      }
      throw error;
    }
  }

  private evalAndOr(
    dot: GoValue,
    name: 'and' | 'or',
    args: readonly ArgNode[],
    final: GoValue | undefined,
  ): GoValue {
    const argc = args.length + (final === undefined ? 0 : 1);
    if (argc < 1) this.errorf(`wrong number of args for ${name}: want at least 1 got 0`);
    let value: GoValue = null;
    for (const arg of args) {
      value = this.evalArgValue(dot, arg);
      if (isTrue(value) === (name === 'or')) return value;
    }
    if (final !== undefined) value = final;
    return value;
  }

  private evalTypedArg(dot: GoValue, arg: ArgNode, type: ParamType): GoValue {
    this.at(arg);
    switch (arg.type) {
      case 'dot':
      case 'field':
      case 'variable':
      case 'chain':
      case 'pipe':
      case 'identifier':
        return this.checkType(this.evalArgValue(dot, arg), type);
      case 'nil':
        if (type === 'any' || type === 'list' || type === 'map' || type === 'strings') return null;
        return this.errorf(`cannot assign nil to ${goTypeOf(type)}`);
      case 'bool':
        if (type !== 'any' && type !== 'bool')
          this.errorf(`expected ${expectedWord(type)}; found ${arg.text}`);
        return arg.text === 'true';
      case 'string':
        if (type !== 'any' && type !== 'string')
          this.errorf(`expected ${expectedWord(type)}; found ${arg.text}`);
        return this.constant(arg, dot);
      case 'number': {
        const n = parseNumber(arg.text);
        if (n === null) return this.errorf(`illegal number syntax: ${arg.text}`);
        if (type === 'int' || type === 'int64') {
          if (n.kind === 'float' && !Number.isInteger(n.value))
            this.errorf(`expected integer; found ${arg.text}`);
          return new GoInt(n.kind === 'float' ? BigInt(n.value) : n.value, type);
        }
        if (type === 'float64') return n.kind === 'float' ? n.value : Number(n.value);
        if (type === 'any') return this.idealConstant(arg.text);
        return this.errorf(`expected ${expectedWord(type)}; found ${arg.text}`);
      }
    }
  }

  private checkType(value: GoValue, type: ParamType): GoValue {
    if (type === 'any') return value;
    const actual = value === null ? 'interface {}' : typeName(value);
    const ok =
      (type === 'string' && typeof value === 'string') ||
      (type === 'bool' && typeof value === 'boolean') ||
      (type === 'float64' && typeof value === 'number') ||
      (type === 'int' && value instanceof GoInt && value.type === 'int') ||
      (type === 'int64' && value instanceof GoInt && value.type === 'int64') ||
      (type === 'list' && (Array.isArray(value) || value === null)) ||
      (type === 'strings' && ((Array.isArray(value) && actual === '[]string') || value === null)) ||
      (type === 'map' && (value instanceof Map || value === null));
    if (!ok) this.errorf(`wrong type for value; expected ${goTypeOf(type)}; got ${actual}`);
    return value;
  }

  private evalArgValue(dot: GoValue, arg: ArgNode): GoValue {
    this.at(arg);
    switch (arg.type) {
      case 'field':
        return this.evalFieldChain(dot, dot, arg, arg.idents, [], undefined);
      case 'variable': {
        const base = this.varValue(arg.idents[0] ?? '');
        return arg.idents.length === 1
          ? base
          : this.evalFieldChain(dot, base, arg, arg.idents.slice(1), [], undefined);
      }
      case 'chain': {
        const base = this.evalArgValue(dot, arg.node);
        return this.evalFieldChain(dot, base, arg, arg.fields, [], undefined);
      }
      case 'pipe':
        return this.evalPipeline(dot, arg);
      case 'identifier':
        return this.evalFunction(
          dot,
          arg.name,
          arg,
          { type: 'command', args: [arg], pos: arg.pos, line: arg.line },
          [],
          undefined,
        );
      default:
        return this.constant(arg, dot);
    }
  }
}

function expectedWord(type: ParamType): string {
  if (type === 'int' || type === 'int64') return 'integer';
  if (type === 'float64') return 'float';
  return goTypeOf(type);
}

function goTypeOf(type: ParamType): string {
  switch (type) {
    case 'list':
      return '[]interface {}';
    case 'strings':
      return '[]string';
    case 'map':
      return 'map[string]interface {}';
    case 'any':
      return 'interface {}';
    default:
      return type;
  }
}

/** What an action prints: Go's fmt.Print of the value; nil prints "<no value>". */
function printable(value: GoValue): string {
  if (value === null) return noValue;
  return formatValue(value, 'v');
}

type ParsedNumber = { kind: 'int'; value: bigint } | { kind: 'float'; value: number };

/** A template number constant: ints (decimal, 0x, 0o, 0b, 'c'), floats. */
export function parseNumber(text: string): ParsedNumber | null {
  if (text.startsWith("'")) {
    const s = unquote({ val: `"${text.slice(1, -1).replace(/"/g, '\\"')}"` }, () => {
      throw new FuncError('bad char');
    });
    return { kind: 'int', value: BigInt(s.codePointAt(0) ?? 0) };
  }
  if (text.endsWith('i')) return null;
  const clean = text.replace(/_/g, '');
  const neg = clean.startsWith('-');
  const body = clean.replace(/^[+-]/, '');
  if (/^0[xX][0-9a-fA-F]+$/.test(body) || /^0[oO][0-7]+$/.test(body) || /^0[bB][01]+$/.test(body)) {
    const v = BigInt(body.slice(0, 2).toLowerCase() + body.slice(2));
    return { kind: 'int', value: neg ? -v : v };
  }
  if (/^0[0-7]+$/.test(body)) {
    const v = BigInt(`0o${body.slice(1)}`);
    return { kind: 'int', value: neg ? -v : v };
  }
  if (/^\d+$/.test(body)) return { kind: 'int', value: neg ? -BigInt(body) : BigInt(body) };
  if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(body)) {
    const f = Number(body);
    if (Number.isInteger(f) && !/[.eE]/.test(body)) return { kind: 'int', value: BigInt(body) };
    return { kind: 'float', value: neg ? -f : f };
  }
  return null;
}

import { builtins } from './builtins.js';
export { GoFunc };

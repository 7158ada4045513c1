import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { substitute } from '../src/index.js';

/**
 * Every shell-style form of Flux's envsubst, for a variable that is set, set but empty, and
 * unset, against the real `bash` on the same expression. Where fluxcd/pkg/envsubst answers
 * differently from bash on purpose (or by its design), the row says so and asserts Flux's
 * answer instead; every other cell must equal bash's output.
 */
const value = 'abcABCabc';
type State = 'set' | 'empty' | 'unset';
const states: readonly State[] = ['set', 'empty', 'unset'];

interface Row {
  readonly form: string;
  /** Flux's answer where it differs from bash, and why. */
  readonly flux?: Partial<Record<State, string>>;
  readonly why?: string;
}

const rows: readonly Row[] = [
  { form: '${v}' },
  { form: '${v:-d}' },
  { form: '${v-d}' },
  { form: '${v:=d}' },
  {
    form: '${v=d}',
    flux: { empty: 'd' },
    why: "envsubst's `=` is its toDefault: the default also stands in for an empty value",
  },
  { form: '${v:-x${u:-y}z}' },
  { form: '${#v}' },
  { form: '${v/b/X}' },
  { form: '${v//b/X}' },
  { form: '${v/#a/X}' },
  { form: '${v/%c/X}' },
  { form: '${v^}' },
  { form: '${v^^}' },
  { form: '${v,}' },
  { form: '${v,,}' },
  { form: '${v:2}' },
  { form: '${v:2:3}' },
  { form: '${v:1:-1}' },
  { form: '${v:20}' },
  { form: '${v#a*}' },
  { form: '${v##a*B}' },
  { form: '${v#?b}' },
  { form: '${v%b*}' },
  { form: '${v%%b*}' },
  { form: '${v#[a-c]}' },
  { form: '${v##*[A-C]}' },
  {
    form: '${v#*}',
    flux: { set: 'bcABCabc' },
    why: 'envsubst never matches the empty prefix: the shortest non-empty match of * is one character',
  },
  {
    form: '${v/b*/X}',
    flux: { set: value },
    why: "envsubst's replace patterns are literal text, not globs",
  },
  {
    form: '${v: -2}',
    flux: { set: value },
    why: 'envsubst reads the offset with strconv.Atoi, which refuses the leading space',
  },
];

/** What bash prints for each row in one state, each expression in its own subshell. */
function bashOutputs(state: State): string[] {
  const setup = state === 'set' ? `v='${value}'` : state === 'empty' ? "v=''" : 'unset v';
  const lines = rows.map((row) => `(printf '%s\\0' "${row.form}")`);
  const out = execFileSync('bash', ['--norc', '-c', [setup, 'unset u', ...lines].join('\n')], {
    encoding: 'utf8',
  });
  return out.split('\0').slice(0, rows.length);
}

function variablesFor(state: State): Map<string, string> {
  if (state === 'unset') return new Map();
  return new Map([['v', state === 'set' ? value : '']]);
}

describe('post-build substitution forms, compared with bash', () => {
  const bash = new Map<State, string[]>();
  beforeAll(() => {
    for (const state of states) bash.set(state, bashOutputs(state));
  });

  const cells = rows.flatMap((row, index) =>
    states.map((state) => [row.form, state, index, row] as const),
  );
  it.each(cells)('%s with v %s', (form, state, index, row) => {
    const fluxAnswer = row.flux?.[state];
    const expected = fluxAnswer ?? bash.get(state)?.[index];
    expect(expected).toBeDefined();
    if (fluxAnswer !== undefined)
      // The row is marked only where bash really answers otherwise.
      expect(bash.get(state)?.[index]).not.toBe(fluxAnswer);
    expect(substitute(`x: ${form}`, variablesFor(state))).toBe(`x: ${expected ?? ''}`);
  });
});

describe('post-build substitution where Flux and bash part ways', () => {
  const vars = new Map([
    ['v', value],
    ['path', '/srv/app/config.yaml'],
    ['word', 'héllo'],
    ['e', ''],
  ]);
  it.each([
    ['$${v} is the escape for a literal ${v} (bash would print its PID)', '$${v}', '${v}'],
    ['$$ is one dollar', 'a$$b', 'a$b'],
    ['${#v} counts UTF-8 bytes, as Go len does (bash counts characters)', '${#word}', '6'],
    [
      '* in a glob does not cross / (Go path.Match; bash gives config.yaml)',
      '${path##*/}',
      'srv/app/config.yaml',
    ],
    ['${v/b} (no second /) does not parse in envsubst and is left as written', '${v/b}', '${v/b}'],
    ['${v:+x} is envsubst toDefault, not bash alternate value', '${v:+x}|${e:+x}', `${value}|x`],
    ['an unset variable in a casing form is empty', '${nope^^}', ''],
    ['a nested default is evaluated where it stands', '${e:-${v,,}}', 'abcabcabc'],
    ['replace escapes \\/ and \\\\', '${path//\\//_}', '_srv_app_config.yaml'],
    [
      'an empty pattern inserts before every character (Go strings.Replace)',
      '${word///-}',
      '-h-é-l-l-o-',
    ],
    ['a bad glob leaves the value (Go ErrBadPattern)', '${v#[}', value],
  ])('%s', (_why, input, expected) => {
    expect(substitute(input, vars)).toBe(expected);
  });

  it('strict mode refuses an unset variable except in the default forms', () => {
    expect(() => substitute('${nope#a}', vars, { strict: true })).toThrow(
      "variable 'nope' is not defined",
    );
    expect(substitute('${nope:-a}${nope-b}${nope=c}${nope:=d}', vars, { strict: true })).toBe(
      'abcd',
    );
  });

  it('refuses a result that grows past the bound instead of exhausting memory', () => {
    const big = new Map([['a', 'a'.repeat(10_000)]]);
    expect(() => substitute('${a//a/${a}}', big)).toThrow('substitution result exceeds');
  });
});

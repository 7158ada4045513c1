import { describe, expect, it } from '@jest/globals';
import {
  formatFloat,
  fromPlain,
  GoInt,
  renderHelmStyle,
  sprintf,
  sprigFuncs,
  TemplateLimitError,
  TemplateParseError,
  TemplateSet,
  type GoValue,
} from '../src/index.js';

/** Unit tests of the engine's pure parts: fmt, parser errors, bounds, hostile values. */
const data = (values: unknown): GoValue => new Map([['Values', fromPlain(values)]]);

describe('fmt', () => {
  it.each([
    [1234567, '1.234567e+06'],
    [0.75, '0.75'],
    [3, '3'],
    [100000, '100000'],
    [1e21, '1e+21'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-2.5, '-2.5'],
  ])('%%v of float64 %p is %p', (f, want) => {
    expect(formatFloat(f, 'g', -1)).toBe(want);
  });

  it.each([
    ['%d|%5d|%-4d|', [new GoInt(3), new GoInt(42), new GoInt(7)], '3|   42|7   |'],
    ['%.2f %e', [3.14159, 1234.5678], '3.14 1.234568e+03'],
    ['%.0f %.0f %.1f', [2.5, 3.5, 0.25], '2 4 0.2'],
    ['%q', ['a"b'], '"a\\"b"'],
    ['%s', [new GoInt(5)], '%!s(int=5)'],
    ['%d', [], '%!d(MISSING)'],
    ['x', ['extra'], 'x%!(EXTRA string=extra)'],
    ['%v', [null], '<nil>'],
    ['%T %T', [new GoInt(1, 'int64'), new Map()], 'int64 map[string]interface {}'],
  ] as const)('sprintf %p', (format, args, want) => {
    expect(sprintf(format, [...args] as GoValue[])).toBe(want);
  });
});

describe('parser', () => {
  const parse = (text: string) => () => {
    new TemplateSet({ funcs: sprigFuncs() }).parse('t', text);
  };
  it.each([
    ['{{ if 1 }}', 'template: t:1: unexpected EOF'],
    ['{{ end }}', 'template: t:1: unexpected {{end}}'],
    ['a\n{{ nope }}', 'template: t:2: function "nope" not defined'],
    ['{{ "unterminated }}', 'template: t:1: unterminated quoted string'],
    ['{{ break }}', 'template: t:1: {{break}} outside {{range}}'],
    ['{{ $x }}', 'template: t:1: undefined variable "$x"'],
    ['{{ .a', 'template: t:1: unclosed action'],
  ])('%p fails with %p', (text, message) => {
    expect(parse(text)).toThrow(TemplateParseError);
    expect(parse(text)).toThrow(message);
  });
});

describe('bounds', () => {
  it('stops recursive templates at the depth bound with a clear error', () => {
    const text = '{{ define "loop" }}{{ template "loop" . }}{{ end }}{{ template "loop" . }}';
    expect(() => renderHelmStyle('t', text, data({}), { limits: { maxDepth: 50 } })).toThrow(
      /exceeded maximum template depth \(50\)/,
    );
    expect(() => renderHelmStyle('t', text, data({}), { limits: { maxDepth: 50 } })).toThrow(
      TemplateLimitError,
    );
  });

  it('stops at the output bound', () => {
    expect(() =>
      renderHelmStyle('t', '{{ range 100000 }}0123456789{{ end }}', data({}), {
        limits: { maxOutputBytes: 1000 },
      }),
    ).toThrow(/output exceeds the maximum of 1000 bytes/);
  });

  it('stops at the step bound', () => {
    expect(() =>
      renderHelmStyle('t', '{{ range 1000000 }}{{ . }}{{ end }}', data({}), {
        limits: { maxSteps: 10000 },
      }),
    ).toThrow(/exceeded the maximum of 10000 evaluation steps/);
  });
});

describe('hostile values', () => {
  it('keeps __proto__ a plain key: no prototype pollution through values or dict', () => {
    const values = JSON.parse('{"__proto__": {"polluted": "yes"}, "a": 1}') as unknown;
    const out = renderHelmStyle(
      't',
      '{{ index .Values "__proto__" "polluted" }}{{ $d := dict "__proto__" (dict "polluted" "yes") }}{{ $_ := set $d "constructor" 1 }}{{ len $d }}',
      data(values),
    );
    expect(out).toBe('yes2');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('unsupported functions', () => {
  it.each(['genCA', 'now', 'bcrypt', 'toDate', 'wrap'])('%s fails naming itself', (name) => {
    expect(() => renderHelmStyle('t', `{{ ${name} }}`, data({}))).toThrow(
      `error calling ${name}: function "${name}" is not supported by Tide's gotemplate yet`,
    );
  });
});

describe('random functions (shape only: helm bytes differ every run)', () => {
  it.each([
    ['{{ randAlphaNum 16 }}', /^[A-Za-z0-9]{16}$/],
    ['{{ randAlpha 8 }}', /^[A-Za-z]{8}$/],
    ['{{ randNumeric 6 }}', /^[0-9]{6}$/],
    ['{{ randAscii 12 }}', /^[ -~]{12}$/],
    ['{{ uuidv4 }}', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/],
  ])('%s', (text, shape) => {
    const first = renderHelmStyle('t', text, data({}));
    expect(first).toMatch(shape);
    expect(renderHelmStyle('t', text, data({}))).not.toBe(first);
  });
});

import { describe, expect, it } from '@jest/globals';
import { emitDocument, emitDocuments, sortKeys } from '../src/yaml/emit.js';
import { parseDocuments } from '../src/yaml/parse.js';
import { formatNumber, resolvePlain } from '../src/yaml/scalars.js';

// Expected texts are what kubectl kustomize (kustomize v5.8.1) printed for the same values.
describe('YAML output', () => {
  it.each([
    ['plain', 'a', 'v: a\n'],
    ['YAML 1.1 booleans are quoted', 'yes', 'v: "yes"\n'],
    ['single letters y and n are quoted', 'y', 'v: "y"\n'],
    ['numbers in strings are quoted', '0x1F', 'v: "0x1F"\n'],
    ['sexagesimal numbers are quoted', '1:20', 'v: "1:20"\n'],
    ['timestamps are quoted', '2001-1-2', 'v: "2001-1-2"\n'],
    ['indicators force single quotes', '*foo', "v: '*foo'\n"],
    ['a colon-space forces single quotes', 'a: b', "v: 'a: b'\n"],
    ['a leading space forces single quotes', ' x', "v: ' x'\n"],
    ['single quotes are doubled', "'x", "v: '''x'\n"],
    ['tabs force double quotes', 'a\tb', 'v: "a\\tb"\n'],
    ['characters beyond the BMP are escaped', 'x😀y', 'v: "x\\U0001F600y"\n'],
    ['multi-line strings are literal blocks', 'a\nb', 'v: |-\n  a\n  b\n'],
    ['trailing newlines keep', 'a\n\n', 'v: |+\n  a\n\n'],
    ['a leading space gets an indentation indicator', ' a\nb\n', 'v: |2\n   a\n  b\n'],
    ['space before a newline forces double quotes', 'a \nb', 'v: "a \\nb"\n'],
    ['the empty string', '', 'v: ""\n'],
  ])('%s', (_name, value, expected) => {
    expect(emitDocument({ v: value })).toBe(expected);
  });

  it('folds long plain scalars after column 80 at the value indentation', () => {
    const words = 'aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp';
    expect(emitDocument({ data: { long: `${words} qqqq` } })).toBe(
      `data:\n  long: ${words.slice(0, -5)}\n    pppp qqqq\n`,
    );
  });

  it('does not indent sequences under their key', () => {
    expect(emitDocument({ a: [{ b: 1, c: [1, 2] }, [3]], d: {}, e: [] })).toBe(
      'a:\n- b: 1\n  c:\n  - 1\n  - 2\n- - 3\nd: {}\ne: []\n',
    );
  });

  it('separates documents with ---', () => {
    expect(emitDocuments([{ a: 1 }, { b: 2 }])).toBe('a: 1\n---\nb: 2\n');
  });

  it('orders keys like go-yaml v2: non-letters first, digit runs by value', () => {
    expect(
      sortKeys(['a10', 'a2', 'A1', '_b', 'z01', 'z1', 'z10', 'Ä', 'aa', 'b.c', 'b-c']),
    ).toEqual(['_b', 'A1', 'a2', 'a10', 'aa', 'b-c', 'b.c', 'z1', 'z01', 'z10', 'Ä']);
  });

  it.each([
    [1234567.5, '1.2345675e+06'],
    [0.0000001, '1e-07'],
    [1e21, '1e+21'],
    [100.25, '100.25'],
    [2, '2'],
    [12345678901234567890n, '12345678901234567890'],
  ])('prints %p as %s', (value, expected) => {
    expect(formatNumber(value)).toBe(expected);
  });
});

describe('YAML input', () => {
  it.each([
    ['017', 15],
    ['0o17', 15],
    ['0x10', 16],
    ['1_000', 1000],
    ['1e3', 1000],
    ['yes', 'yes'],
    ['~', null],
    ['True', true],
    ['2020-01-01', '2020-01-01T00:00:00Z'],
    ['2001-12-14 21:59:43.10', '2001-12-14T21:59:43.1Z'],
    ['12345678901234567890', 12345678901234567890n],
  ])('reads plain %s as go-yaml v3 does', (text, expected) => {
    expect(resolvePlain(text)).toEqual(expected);
  });

  it('skips empty and comment-only documents and resolves anchors', () => {
    expect(parseDocuments('---\n# c\n---\na: &x {b: 1}\nc: *x\n...\n', 'f')).toEqual([
      { a: { b: 1 }, c: { b: 1 } },
    ]);
  });

  it('names the file in syntax errors', () => {
    expect(() => parseDocuments('a: [\n', 'broken.yaml')).toThrow(/^broken\.yaml: invalid YAML/);
  });
});

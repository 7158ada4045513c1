import { describe, expect, it } from '@jest/globals';
import { LabelSelectorError, matchLabels, parseLabelSelector } from '../src/index.js';

describe('label selectors', () => {
  it.each([
    ['a=b', { a: 'b' }, true],
    ['a==b', { a: 'c' }, false],
    ['a!=b', {}, true],
    ['a in (x, y)', { a: 'y' }, true],
    ['a notin (x,y)', { a: 'z' }, true],
    ['a notin (x,y)', {}, true],
    ['a,!b', { a: '' }, true],
    ['a,!b', { a: '', b: '' }, false],
    ['a>1', { a: '2' }, true],
    ['a<1', { a: '2' }, false],
    ['a>1', { a: 'x' }, false],
    ['', { a: 'x' }, true],
    ['example.com/a=b', { 'example.com/a': 'b' }, true],
  ])('label selector %s on %j', (text, labels, expected) => {
    expect(matchLabels(parseLabelSelector(text), labels)).toBe(expected);
  });

  it.each([
    ['a b c', /cannot parse requirement "a b c"/],
    ['app in (a', /cannot parse requirement "app in \(a"/],
    ['a in ()', /a set needs at least one value/],
    ['Example.COM/a=b', /invalid label key "Example.COM\/a"/],
    ['a=b c', /cannot parse requirement/],
    ['a=-b', /invalid label value "-b"/],
    [`a=${'x'.repeat(64)}`, /invalid label value/],
  ])('refuses %s', (text, message) => {
    expect(() => parseLabelSelector(text)).toThrow(LabelSelectorError);
    expect(() => parseLabelSelector(text)).toThrow(message);
  });
});

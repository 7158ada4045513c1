import { describe, expect, it } from '@jest/globals';
import { Resource } from '../src/resource.js';
import { parseLabelSelector, ResourceMatcher, type Selector } from '../src/selector.js';
import type { ValueMap } from '../src/value.js';
import { parseDocuments } from '../src/yaml/parse.js';

const deployment = new Resource(
  parseDocuments(
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-a\n  namespace: prod\n  labels:\n    tier: web\n    env: prod\n  annotations:\n    owner: team-a\n',
    'test',
  )[0] as ValueMap,
  'test',
);
deployment.rename('pre-web-a');

describe('resource selectors', () => {
  it.each<[string, Selector, boolean]>([
    ['empty selector matches everything', {}, true],
    ['group, version and kind', { group: 'apps', version: 'v1', kind: 'Deployment' }, true],
    ['wrong group', { group: 'batch' }, false],
    ['kind regex is anchored', { kind: 'Deploy' }, false],
    ['kind regex', { kind: 'Deploy.*' }, true],
    ['current name', { name: 'pre-web-a' }, true],
    ['original name', { name: 'web-a' }, true],
    ['name regex with RE2 syntax', { name: 'web-[a-z]' }, true],
    ['namespace', { namespace: 'prod' }, true],
    ['other namespace', { namespace: 'dev' }, false],
    ['label selector', { labelSelector: 'tier=web,env in (prod,dev)' }, true],
    ['failing label selector', { labelSelector: 'tier!=web' }, false],
    ['annotation selector', { annotationSelector: 'owner' }, true],
    ['negated annotation selector', { annotationSelector: '!owner' }, false],
  ])('%s', (_name, selector, expected) => {
    expect(new ResourceMatcher(selector).matches(deployment)).toBe(expected);
  });

  it('refuses an unparsable requirement', () => {
    expect(() => parseLabelSelector('a b c')).toThrow(/unable to parse requirement/);
  });
});

// The README's supported-fields section is what the support matrix generates, and it names
// only kinds whose CRDs exist.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@tide/harness';
import { kindDefinitions, readmeSection, supportSection } from '../src/index.js';

const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');

describe('README supported-fields section', () => {
  it('is what `npm run -w @tide/api readme` generates from the support matrix', () => {
    // On failure: run `npm run -w @tide/api readme` and commit README.md.
    expect(readmeSection(readme)).toBe(supportSection());
  });

  it('has one table or line per kind with a CRD, and no other kind', () => {
    const headings = [...supportSection().matchAll(/^### (\w+) /gm)].map((m) => m[1]);
    expect(headings).toEqual(kindDefinitions.map((d) => d.kind));
  });

  it('is found only between both markers', () => {
    expect(readmeSection('no markers here')).toBeUndefined();
  });
});

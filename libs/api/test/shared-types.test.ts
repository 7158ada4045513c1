import { describe, expect, it } from '@jest/globals';
import type { Static } from 'typebox';
import type { Artifact, Condition } from '@tide/kube';
import type { ArtifactSchema, ConditionSchema } from '../src/meta.js';

// The CRD schemas of metav1.Condition and the source artifact describe the types every package
// shares from @tide/kube. Each assignment below fails to compile when the two drift apart.
const condition: Condition = {
  type: 'Ready',
  status: 'True',
  observedGeneration: 1,
  lastTransitionTime: '2026-12-02T00:00:00Z',
  reason: 'Succeeded',
  message: 'stored artifact',
};
const artifact: Artifact = {
  path: 'gitrepository/apps/podinfo/0a1b.tar.gz',
  url: 'http://source-controller.flux-system.svc/gitrepository/apps/podinfo/0a1b.tar.gz',
  revision: 'main@sha1:0a1b',
  digest: 'sha256:0a1b',
  lastUpdateTime: '2026-12-02T00:00:00Z',
  size: 42,
  metadata: { a: 'b' },
};

describe('shared status types', () => {
  it('Condition and its schema accept each other', () => {
    const fromSchema: Static<typeof ConditionSchema> = condition;
    const back: Condition = fromSchema;
    expect(back).toBe(condition);
  });

  it('Artifact and its schema accept each other', () => {
    const fromSchema: Static<typeof ArtifactSchema> = artifact;
    const back: Artifact = fromSchema;
    expect(back).toBe(artifact);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kustomization } from '@tide/api';
import { makeTempDir, type TempDir } from '@tide/harness';
import type { Manifest } from '@tide/kube';
import {
  readVariables,
  renderKustomization,
  renderWithVariables,
  SubstitutionError,
  type SubstituteReference,
} from '../src/index.js';

/**
 * The render in two parts, as the controller runs it: readVariables (the cluster reads of
 * substituteFrom, then substitute) on the main thread, renderWithVariables (files only) in
 * a build worker; renderKustomization is the two in a row, as the CLI runs it.
 */
describe('readVariables and renderWithVariables', () => {
  let temp: TempDir;
  const kustomization = (postBuild?: Kustomization['spec']['postBuild']): Kustomization => ({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'apps', namespace: 'tenant' },
    spec: {
      interval: '10m',
      prune: true,
      sourceRef: { kind: 'GitRepository', name: 'fleet' },
      ...(postBuild === undefined ? {} : { postBuild }),
    },
  });
  const data: Record<string, Record<string, string>> = {
    'ConfigMap/vars': { greeting: 'from-configmap', region: 'eu' },
  };
  const reads: string[] = [];
  const readData = (reference: SubstituteReference) => {
    reads.push(`${reference.kind}/${reference.name}`);
    return Promise.resolve(data[`${reference.kind}/${reference.name}`]);
  };
  const options = { strictSubstitutions: false, remoteBases: false };
  const dataOf = (objects: readonly Manifest[]) => objects.map((o) => o.data);

  beforeAll(async () => {
    temp = await makeTempDir('ks-render');
    await writeFile(
      join(temp.path, 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  greeting: ${greeting}\n  region: ${region:=us}\n',
    );
  });
  afterAll(async () => {
    await temp.remove();
  });

  it.each<[string, Kustomization['spec']['postBuild'], Record<string, string> | undefined]>([
    ['no postBuild: no variables', undefined, undefined],
    ['substitute only', { substitute: { greeting: 'hi' } }, { greeting: 'hi' }],
    [
      'substituteFrom, overridden by substitute',
      { substituteFrom: [{ kind: 'ConfigMap', name: 'vars' }], substitute: { greeting: 'hi' } },
      { greeting: 'hi', region: 'eu' },
    ],
  ])('readVariables: %s', async (_name, postBuild, expected) => {
    const variables = await readVariables(kustomization(postBuild), readData);
    expect(variables === undefined ? undefined : Object.fromEntries(variables)).toEqual(expected);
  });

  it('readVariables: a missing substituteFrom that is not optional is a SubstitutionError', async () => {
    const obj = kustomization({ substituteFrom: [{ kind: 'Secret', name: 'absent' }] });
    await expect(readVariables(obj, readData)).rejects.toThrow(SubstitutionError);
  });

  it('renderWithVariables substitutes only the variables it is given, reading nothing', async () => {
    reads.length = 0;
    const obj = kustomization({ substituteFrom: [{ kind: 'ConfigMap', name: 'vars' }] });
    const given = await renderWithVariables(obj, temp.path, new Map([['greeting', 'x']]), options);
    expect(dataOf(given)).toEqual([{ greeting: 'x', region: 'us' }]);
    const none = await renderWithVariables(obj, temp.path, undefined, options);
    expect(dataOf(none)).toEqual([{ greeting: '${greeting}', region: '${region:=us}' }]);
    expect(reads).toEqual([]);
  });

  it('renderKustomization is readVariables then renderWithVariables', async () => {
    const obj = kustomization({ substituteFrom: [{ kind: 'ConfigMap', name: 'vars' }] });
    const whole = await renderKustomization(obj, temp.path, { ...options, readData });
    const variables = await readVariables(obj, readData);
    expect(whole).toEqual(await renderWithVariables(obj, temp.path, variables, options));
    expect(dataOf(whole)).toEqual([{ greeting: 'from-configmap', region: 'eu' }]);
  });
});

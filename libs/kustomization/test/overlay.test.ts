import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeTempDir, type TempDir } from '@tide/harness';
import { build } from '@tide/kustomize';
import { kustomizationText, manifestResources, type OverlayFields } from '../src/index.js';

/** Builds `dir` as the controller does: the overlaid kustomization given in memory. */
async function buildWith(dir: string, fields: OverlayFields) {
  const text = await kustomizationText(dir, fields);
  return build(dir, text === undefined ? {} : { kustomization: text });
}

const configMap = (name: string, namespace?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace === undefined ? '' : `  namespace: ${namespace}\n`}data:\n  k: v\n`;

describe('kustomization generation and overlay', () => {
  let temp: TempDir;
  const write = async (path: string, text: string) => {
    await mkdir(dirname(join(temp.path, path)), { recursive: true });
    await writeFile(join(temp.path, path), text);
  };

  beforeEach(async () => {
    temp = await makeTempDir('ks-overlay');
  });
  afterEach(async () => {
    await temp.remove();
  });

  it('lists every manifest under the path, and sub-kustomizations as directories', async () => {
    await write('a.yaml', configMap('a'));
    await write('nested/deeper/b.yml', configMap('b'));
    await write(
      'c.json',
      JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'c' } }),
    );
    await write('values.yaml', 'replicas: 3\n');
    await write('README.md', '# not a manifest\n');
    await write('broken.yaml', 'kind: [unclosed\n');
    await write('app/kustomization.yaml', 'resources: [d.yaml]\n');
    await write('app/d.yaml', configMap('d'));
    expect(await manifestResources(temp.path)).toEqual([
      'a.yaml',
      'app',
      'broken.yaml',
      'c.json',
      'nested/deeper/b.yml',
    ]);
  });

  it('generates a kustomization that builds every object', async () => {
    await write('a.yaml', configMap('a'));
    await write('sub/b.yaml', configMap('b'));
    const { resources } = await buildWith(temp.path, {});
    const names = resources.map((r) => (r.metadata as { name: string }).name);
    expect(names.sort()).toEqual(['a', 'b']);
    expect(await readdir(temp.path)).toEqual(['a.yaml', 'sub']);
  });

  it('applies targetNamespace, namePrefix, nameSuffix, patches, images and components over the file', async () => {
    await write(
      'kustomization.yaml',
      'resources: [a.yaml, deploy.yaml]\nnamespace: theirs\nnamePrefix: theirs-\n',
    );
    await write('a.yaml', configMap('a', 'elsewhere'));
    await write(
      'deploy.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.25\n',
    );
    await write(
      'extra/kustomization.yaml',
      'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations:\n  component: added\n',
    );
    const { resources } = await buildWith(temp.path, {
      targetNamespace: 'ours',
      namePrefix: 'p-',
      nameSuffix: '-s',
      patches: [
        { patch: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: patched\n' },
        {
          patch: '[{"op": "add", "path": "/metadata/labels", "value": {"patched": "json"}}]',
          target: { kind: 'Deployment' },
        },
      ],
      images: [{ name: 'nginx', newTag: '1.27' }],
      components: ['extra'],
    });
    expect(resources).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'p-a-s', namespace: 'ours', annotations: { component: 'added' } },
        data: { k: 'patched' },
      },
      expect.objectContaining({
        metadata: {
          name: 'p-web-s',
          namespace: 'ours',
          labels: { patched: 'json' },
          annotations: { component: 'added' },
        },
      }),
    ]);
    expect(JSON.stringify(resources[1])).toContain('nginx:1.27');
  });

  it('adds spec.buildMetadata options the kustomization lacks, once each', async () => {
    await write('kustomization.yaml', 'resources: [a.yaml]\nbuildMetadata: [originAnnotations]\n');
    await write('a.yaml', configMap('a'));
    const text = await kustomizationText(temp.path, {
      buildMetadata: ['originAnnotations', 'transformerAnnotations'],
    });
    expect(JSON.parse(text ?? '{}')).toMatchObject({
      buildMetadata: ['originAnnotations', 'transformerAnnotations'],
    });
    const { resources } = await buildWith(temp.path, { buildMetadata: ['originAnnotations'] });
    expect(resources[0]?.metadata).toMatchObject({
      annotations: { 'config.kubernetes.io/origin': 'path: a.yaml\n' },
    });
  });

  it('applies the legacy patchesStrategicMerge and patchesJson6902 fields', async () => {
    await write('a.yaml', configMap('a'));
    const { resources } = await buildWith(temp.path, {
      namePrefix: 'p-',
      patchesStrategicMerge: [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'merged' } },
      ],
      patchesJson6902: [
        {
          target: { version: 'v1', kind: 'ConfigMap', name: 'a' },
          patch: [{ op: 'add', path: '/data/extra', value: 'json' }],
        },
      ],
    });
    expect(resources).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'p-a' },
        data: { k: 'merged', extra: 'json' },
      },
    ]);
  });

  it('leaves the directory as it is: no kustomization is written', async () => {
    await write('kustomization.yaml', 'resources: [a.yaml]\n');
    await write('a.yaml', configMap('a'));
    expect(await kustomizationText(temp.path, {})).toBeUndefined();
    const text = await kustomizationText(temp.path, { namePrefix: 'x-' });
    expect(JSON.parse(text ?? '')).toEqual({ resources: ['a.yaml'], namePrefix: 'x-' });
    expect(await readdir(temp.path)).toEqual(['a.yaml', 'kustomization.yaml']);
  });
});

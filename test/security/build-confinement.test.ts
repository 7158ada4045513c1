import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Kustomization } from '@tide/api';
import { renderKustomization } from '@tide/kustomization';
import { KustomizeError } from '@tide/kustomize';
import { makeTempDir, type TempDir } from '@tide/harness';
import { tenantKustomization } from './fixtures.js';

/**
 * Build confinement: a Kustomization builds from its source artifact only. A base, component
 * or file outside the artifact root (a relative path climbing out, an absolute path, a
 * symlink) is refused with a clear error, as Flux's MakeFsOnDiskSecureBuild does.
 */
const configMap = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: v\n`;

describe('build confinement', () => {
  let temp: TempDir;
  let artifact: string;
  let outside: string;
  let root: string;

  const write = async (path: string, text: string) => {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  };

  /** Renders `artifact/<path>` as kustomize-controller does, confined to the artifact root. */
  const render = (path: string, spec: Partial<Kustomization['spec']> = {}) =>
    renderKustomization(tenantKustomization(`./${path}`, spec), join(artifact, path), {
      readData: () => Promise.resolve(undefined),
      strictSubstitutions: false,
      remoteBases: false,
      confinementRoot: artifact,
    });

  const names = async (path: string) => (await render(path)).map((object) => object.metadata.name);

  beforeAll(async () => {
    temp = await makeTempDir('security-confinement');
    // Messages name real paths: the temp dir's own, should the temp root be a symlink.
    root = await realpath(temp.path);
    artifact = join(root, 'artifact');
    outside = join(root, 'outside');
    // Another tenant's files, or any directory of the controller's filesystem.
    await write('outside/kustomization.yaml', 'resources: [secret-stuff.yaml]\n');
    await write('outside/secret-stuff.yaml', configMap('not-yours'));
    await write(
      'outside-component/kustomization.yaml',
      'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [cm.yaml]\n',
    );
    await write('outside-component/cm.yaml', configMap('not-yours-either'));
    await write('artifact/base/kustomization.yaml', 'resources: [cm.yaml]\n');
    await write('artifact/base/cm.yaml', configMap('base'));
    await write('artifact/apps/ok/kustomization.yaml', 'resources: [../../base]\n');
    await write('artifact/apps/climbs/kustomization.yaml', 'resources: [../../../outside]\n');
    await write('artifact/apps/absolute/kustomization.yaml', `resources: [${outside}]\n`);
    await write('artifact/apps/etc/kustomization.yaml', 'resources: [/etc]\n');
    await write(
      'artifact/apps/component/kustomization.yaml',
      'resources: [../../base]\ncomponents: [../../../outside-component]\n',
    );
    await mkdir(join(artifact, 'apps', 'linked'), { recursive: true });
    await symlink(outside, join(artifact, 'apps', 'linked', 'base'));
    await write('artifact/apps/linked/kustomization.yaml', 'resources: [base]\n');
    await mkdir(join(artifact, 'apps', 'linked-file'), { recursive: true });
    await symlink(
      join(outside, 'kustomization.yaml'),
      join(artifact, 'apps', 'linked-file', 'kustomization.yaml'),
    );
  });
  afterAll(async () => {
    await temp.remove();
  });

  const refusal = (path: string) =>
    new RegExp(`security; '${path}' is outside the build root '${artifact}'`);

  it('a directory base outside the artifact root is refused; one inside still builds', async () => {
    expect(await names('apps/ok')).toEqual(['base']);
    const error = await render('apps/climbs').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KustomizeError);
    expect((error as Error).message).toMatch(
      /kustomization\.yaml: resource \.\.\/\.\.\/\.\.\/outside: /,
    );
    expect((error as Error).message).toMatch(refusal(outside));
  });

  it('an absolute resource path is refused', async () => {
    await expect(render('apps/absolute')).rejects.toThrow(refusal(outside));
    await expect(render('apps/etc')).rejects.toThrow(refusal('/etc'));
  });

  it('a component outside the artifact root is refused', async () => {
    await expect(render('apps/component')).rejects.toThrow(
      refusal(join(root, 'outside-component')),
    );
  });

  it('a symlinked base pointing outside the artifact root is refused', async () => {
    await expect(render('apps/linked')).rejects.toThrow(refusal(outside));
  });

  it('a symlinked kustomization file pointing outside is refused, with or without an overlay', async () => {
    const file = join(outside, 'kustomization.yaml');
    await expect(render('apps/linked-file')).rejects.toThrow(refusal(file));
    await expect(render('apps/linked-file', { namePrefix: 'x-' })).rejects.toThrow(refusal(file));
  });
});

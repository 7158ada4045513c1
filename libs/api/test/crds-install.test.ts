// The CRDs on a real API server: installed and Established, every served version accepts the
// manifests people wrote for it and hands them back in the storage version, and kubectl shows
// the printer columns under each short name.
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  apiRequest,
  oracles,
  run,
  sharedControlPlane,
  type SharedControlPlane,
} from '@tide/harness';
import {
  ConditionReason,
  ConditionType,
  ImagePolicyGVK,
  categoriesOf,
  crdName,
  isBucket,
  isGitRepository,
  isHelmChart,
  isHelmRelease,
  isHelmRepository,
  isImagePolicy,
  isImageRepository,
  isImageUpdateAutomation,
  isKustomization,
  isOCIRepository,
  kindDefinitions,
  type KindDefinition,
} from '../src/index.js';
import { loadExamples, type Example } from './examples.js';
import type { Condition } from '@tide/kube';

const examples = loadExamples();
const definitionOf = (kind: string): KindDefinition => {
  const definition = kindDefinitions.find((d) => d.kind === kind);
  if (definition === undefined) throw new Error(`no kind definition for ${kind}`);
  return definition;
};

/** The accessor a controller would use on the object it reads back. */
const accessors: Record<string, (value: unknown) => boolean> = {
  GitRepository: isGitRepository,
  HelmRepository: isHelmRepository,
  HelmChart: isHelmChart,
  OCIRepository: isOCIRepository,
  Bucket: isBucket,
  Kustomization: isKustomization,
  HelmRelease: isHelmRelease,
  ImageRepository: isImageRepository,
  ImagePolicy: isImagePolicy,
  ImageUpdateAutomation: isImageUpdateAutomation,
};

let controlPlane: SharedControlPlane;
let kubectl: string;
let namespace: string;

const kubectlRun = (args: readonly string[], input?: string) =>
  run(kubectl, ['--kubeconfig', controlPlane.kubeconfigPath, ...args], {
    ...(input === undefined ? {} : { input }),
  });

beforeAll(async () => {
  controlPlane = sharedControlPlane();
  kubectl = (await oracles()).kubectl;
  namespace = await controlPlane.createNamespace('api-crds');
});

describe('installed CRDs', () => {
  it.each(kindDefinitions.map((d) => [crdName(d), d] as const))(
    '%s is Established with every version served and the first stored',
    async (name, definition) => {
      const response = await apiRequest(controlPlane.connection, {
        method: 'GET',
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
      });
      expect(response.status).toBe(200);
      const crd = response.body as {
        spec: { versions: { name: string; served: boolean; storage: boolean }[] };
        status: { conditions: { type: string; status: string }[]; storedVersions: string[] };
      };
      expect(crd.status.conditions).toEqual(
        expect.arrayContaining([expect.objectContaining({ type: 'Established', status: 'True' })]),
      );
      const storage = definition.versions[0].name;
      expect(crd.status.storedVersions).toEqual([storage]);
      expect(
        crd.spec.versions
          .filter((v) => v.served)
          .map((v) => v.name)
          .sort(),
      ).toEqual(definition.versions.map((v) => v.name).sort());
    },
  );
});

describe('example manifests', () => {
  it.each(
    examples.map(
      (e) =>
        [`${e.manifest.apiVersion} ${e.manifest.kind} ${e.manifest.metadata.name}`, e] as const,
    ),
  )(
    '%s applies with kubectl and reads back in the storage version',
    async (_name, example: Example) => {
      await kubectlRun(['apply', '-n', namespace, '-f', '-'], example.yaml);
      const definition = definitionOf(example.manifest.kind);
      const storage = definition.versions[0].name;
      const response = await apiRequest(controlPlane.connection, {
        method: 'GET',
        path: `/apis/${definition.group}/${storage}/namespaces/${namespace}/${definition.plural}/${example.manifest.metadata.name}`,
      });
      expect(response.status).toBe(200);
      const object = response.body as { apiVersion: string; spec: Record<string, unknown> };
      expect(object.apiVersion).toBe(`${definition.group}/${storage}`);
      // Every field written survives storage (defaults may be added beside them).
      expect(object.spec).toMatchObject(example.manifest.spec);
      expect(accessors[example.manifest.kind]?.(object)).toBe(true);
    },
  );
});

describe('kubectl get <shortName>', () => {
  const cases = kindDefinitions.flatMap((d) => d.shortNames.map((s) => [s, d] as const));

  it.each(cases)('kubectl get %s shows the printer columns', async (shortName, definition) => {
    const name = `columns-${shortName}`;
    const example = examples.find(
      (e) =>
        e.manifest.kind === definition.kind &&
        e.manifest.apiVersion.endsWith(`/${definition.versions[0].name}`),
    );
    if (example === undefined) throw new Error(`no storage-version example for ${definition.kind}`);
    const manifest = { ...example.manifest, metadata: { name } };
    await kubectlRun(['apply', '-n', namespace, '-f', '-'], JSON.stringify(manifest));
    const out = await kubectlRun(['get', shortName, name, '-n', namespace]);
    const [header = '', row = ''] = out.split('\n');
    const expected = [
      'NAME',
      ...definition.versions[0].columns
        .filter((c) => c.priority !== 1)
        .map((c) => c.name.toUpperCase()),
      'READY',
      'STATUS',
      'AGE',
    ];
    expect(header.split(/\s{2,}/).map((h) => h.trim())).toEqual(expected);
    expect(row.startsWith(name)).toBe(true);
  });
});

describe('ImagePolicy status across versions', () => {
  it('shows v1beta2 readers the latestImage and conditions written through v1', async () => {
    const name = 'latest-image';
    await kubectlRun(
      ['apply', '-n', namespace, '-f', '-'],
      JSON.stringify({
        apiVersion: ImagePolicyGVK.apiVersion,
        kind: 'ImagePolicy',
        metadata: { name },
        spec: { imageRepositoryRef: { name: 'podinfo' }, policy: { semver: { range: '6.x' } } },
      }),
    );
    const ready: Condition = {
      type: ConditionType.Ready,
      status: 'True',
      observedGeneration: 1,
      lastTransitionTime: '2026-01-02T03:04:05Z',
      reason: ConditionReason.Succeeded,
      message: "Latest image tag for 'ghcr.io/stefanprodan/podinfo' resolved to 6.5.0",
    };
    const base = `/apis/${ImagePolicyGVK.group}`;
    const path = (version: string) =>
      `${base}/${version}/namespaces/${namespace}/${ImagePolicyGVK.plural}/${name}`;
    const patched = await apiRequest(controlPlane.connection, {
      method: 'PATCH',
      path: `${path('v1')}/status`,
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          latestRef: { name: 'ghcr.io/stefanprodan/podinfo', tag: '6.5.0' },
          latestImage: 'ghcr.io/stefanprodan/podinfo:6.5.0',
          conditions: [ready],
        },
      },
    });
    expect([patched.status, patched.text]).toEqual([200, expect.any(String)]);
    const old = await apiRequest(controlPlane.connection, { method: 'GET', path: path('v1beta2') });
    expect(old.body).toMatchObject({
      apiVersion: `${ImagePolicyGVK.group}/v1beta2`,
      status: {
        latestImage: 'ghcr.io/stefanprodan/podinfo:6.5.0',
        latestRef: { name: 'ghcr.io/stefanprodan/podinfo', tag: '6.5.0' },
      },
    });
    const out = await kubectlRun([
      'get',
      `imagepolicies.v1beta2.${ImagePolicyGVK.group}`,
      name,
      '-n',
      namespace,
    ]);
    const [header = '', row = ''] = out.split('\n');
    expect(header.split(/\s{2,}/)).toEqual(['NAME', 'LATEST IMAGE', 'READY', 'STATUS', 'AGE']);
    expect(row).toContain('ghcr.io/stefanprodan/podinfo:6.5.0');
    expect(row).toContain(ready.message);
  });
});

describe('categories, as Flux 2.9 has them', () => {
  it.each(kindDefinitions.map((d) => [d.kind, d] as const))(
    'discovery lists %s under all, fluxcd, its role and tide',
    async (_kind, definition) => {
      const response = await apiRequest(controlPlane.connection, {
        method: 'GET',
        path: `/apis/${definition.group}/${definition.versions[0].name}`,
      });
      const list = response.body as { resources: { name: string; categories?: string[] }[] };
      const resource = list.resources.find((r) => r.name === definition.plural);
      expect(resource?.categories).toEqual(categoriesOf(definition));
      expect(resource?.categories?.slice(0, 2)).toEqual(['all', 'fluxcd']);
    },
  );

  it('kubectl get fluxcd lists every kind; fluxcd-sources and fluxcd-images only theirs', async () => {
    const kindsIn = async (category: string): Promise<string[]> => {
      const out = await kubectlRun(['get', category, '-n', namespace, '-o', 'name']);
      const kinds = out
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.slice(0, line.indexOf('.')));
      return [...new Set(kinds)].sort();
    };
    const plurals = (group?: string) =>
      kindDefinitions
        .filter((d) => group === undefined || d.group === group)
        .map((d) => d.singular)
        .sort();
    // The example manifests above left objects of every kind in the namespace.
    expect(await kindsIn('fluxcd')).toEqual(plurals());
    expect(await kindsIn('fluxcd-sources')).toEqual(plurals('source.toolkit.fluxcd.io'));
    expect(await kindsIn('fluxcd-images')).toEqual(plurals('image.toolkit.fluxcd.io'));
    expect(await kindsIn('fluxcd-appliers')).toEqual(
      [...plurals('kustomize.toolkit.fluxcd.io'), ...plurals('helm.toolkit.fluxcd.io')].sort(),
    );
  });
});

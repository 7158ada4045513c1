// Whole objects of every kind at their storage version, their group/version/kind constants,
// and the accessors controllers and the CLI use to narrow an unknown object to one of them.
import type {
  BucketSpec,
  BucketStatus,
  GitRepositorySpec,
  GitRepositoryStatus,
  HelmChartSpec,
  HelmChartStatus,
  HelmRepositorySpec,
  HelmRepositoryStatus,
  OCIRepositorySpec,
  OCIRepositoryStatus,
} from './source.js';
import { isPlainObject, type ObjectMeta } from '@tide/kube';
import type { KustomizationSpec, KustomizationStatus } from './kustomize.js';
import type { HelmReleaseSpec, HelmReleaseStatus } from './helm.js';
import type {
  ImagePolicySpec,
  ImagePolicyStatus,
  ImageRepositorySpec,
  ImageRepositoryStatus,
  ImageUpdateAutomationSpec,
  ImageUpdateAutomationStatus,
} from './image.js';

/** An object of a Tide kind. */
export interface TideObject<ApiVersion extends string, Kind extends string, Spec, Status> {
  apiVersion: ApiVersion;
  kind: Kind;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}

/** Group, storage version and kind of one kind, plus its REST resource name. */
export interface GroupVersionKind<
  Group extends string,
  Version extends string,
  Kind extends string,
> {
  readonly group: Group;
  readonly version: Version;
  readonly kind: Kind;
  readonly apiVersion: `${Group}/${Version}`;
  readonly plural: string;
  /** Every Flux kind is namespaced; with this a GVK is also the runtime's KindRef. */
  readonly namespaced: true;
}

function gvk<const G extends string, const V extends string, const K extends string>(
  group: G,
  version: V,
  kind: K,
  plural: string,
): GroupVersionKind<G, V, K> {
  return { group, version, kind, apiVersion: `${group}/${version}`, plural, namespaced: true };
}

const sourceGroup = 'source.toolkit.fluxcd.io';
const imageGroup = 'image.toolkit.fluxcd.io';

export const GitRepositoryGVK = gvk(sourceGroup, 'v1', 'GitRepository', 'gitrepositories');
export const HelmRepositoryGVK = gvk(sourceGroup, 'v1', 'HelmRepository', 'helmrepositories');
export const HelmChartGVK = gvk(sourceGroup, 'v1', 'HelmChart', 'helmcharts');
export const OCIRepositoryGVK = gvk(sourceGroup, 'v1', 'OCIRepository', 'ocirepositories');
export const BucketGVK = gvk(sourceGroup, 'v1', 'Bucket', 'buckets');
export const KustomizationGVK = gvk(
  'kustomize.toolkit.fluxcd.io',
  'v1',
  'Kustomization',
  'kustomizations',
);
export const HelmReleaseGVK = gvk('helm.toolkit.fluxcd.io', 'v2', 'HelmRelease', 'helmreleases');
export const ImageRepositoryGVK = gvk(imageGroup, 'v1', 'ImageRepository', 'imagerepositories');
export const ImagePolicyGVK = gvk(imageGroup, 'v1', 'ImagePolicy', 'imagepolicies');
export const ImageUpdateAutomationGVK = gvk(
  imageGroup,
  'v1',
  'ImageUpdateAutomation',
  'imageupdateautomations',
);

type ObjectOf<T extends GroupVersionKind<string, string, string>, Spec, Status> = TideObject<
  T['apiVersion'],
  T['kind'],
  Spec,
  Status
>;

export type GitRepository = ObjectOf<
  typeof GitRepositoryGVK,
  GitRepositorySpec,
  GitRepositoryStatus
>;
export type HelmRepository = ObjectOf<
  typeof HelmRepositoryGVK,
  HelmRepositorySpec,
  HelmRepositoryStatus
>;
export type HelmChart = ObjectOf<typeof HelmChartGVK, HelmChartSpec, HelmChartStatus>;
export type OCIRepository = ObjectOf<
  typeof OCIRepositoryGVK,
  OCIRepositorySpec,
  OCIRepositoryStatus
>;
export type Bucket = ObjectOf<typeof BucketGVK, BucketSpec, BucketStatus>;
export type Kustomization = ObjectOf<
  typeof KustomizationGVK,
  KustomizationSpec,
  KustomizationStatus
>;
export type HelmRelease = ObjectOf<typeof HelmReleaseGVK, HelmReleaseSpec, HelmReleaseStatus>;
export type ImageRepository = ObjectOf<
  typeof ImageRepositoryGVK,
  ImageRepositorySpec,
  ImageRepositoryStatus
>;
export type ImagePolicy = ObjectOf<typeof ImagePolicyGVK, ImagePolicySpec, ImagePolicyStatus>;
export type ImageUpdateAutomation = ObjectOf<
  typeof ImageUpdateAutomationGVK,
  ImageUpdateAutomationSpec,
  ImageUpdateAutomationStatus
>;

/** Thrown by the `as<Kind>` accessors when an object is not of the expected kind. */
export class UnexpectedKindError extends Error {
  readonly expected: string;
  readonly got: string;
  constructor(expected: string, got: string) {
    super(`expected a ${expected} object, got ${got}`);
    this.name = 'UnexpectedKindError';
    this.expected = expected;
    this.got = got;
  }
}

function describe(value: unknown): string {
  if (!isPlainObject(value)) return value === null ? 'null' : typeof value;
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '<no apiVersion>';
  const kind = typeof value.kind === 'string' ? value.kind : '<no kind>';
  return `${apiVersion} ${kind}`;
}

/** The typed accessor pair of one kind. */
interface KindAccessor<T> {
  /** Narrows by apiVersion and kind (storage version); metadata and spec must be objects. */
  readonly is: (value: unknown) => value is T;
  /** The same check, throwing UnexpectedKindError when it fails. */
  readonly as: (value: unknown) => T;
}

function accessor<T>(type: GroupVersionKind<string, string, string>): KindAccessor<T> {
  const is = (value: unknown): value is T =>
    isPlainObject(value) &&
    value.apiVersion === type.apiVersion &&
    value.kind === type.kind &&
    isPlainObject(value.metadata) &&
    isPlainObject(value.spec);
  const as = (value: unknown): T => {
    if (is(value)) return value;
    const got = describe(value);
    const reason =
      isPlainObject(value) && value.apiVersion === type.apiVersion && value.kind === type.kind
        ? `${got} without metadata or spec`
        : got;
    throw new UnexpectedKindError(`${type.apiVersion} ${type.kind}`, reason);
  };
  return { is, as };
}

const gitRepository = accessor<GitRepository>(GitRepositoryGVK);
const helmRepository = accessor<HelmRepository>(HelmRepositoryGVK);
const helmChart = accessor<HelmChart>(HelmChartGVK);
const ociRepository = accessor<OCIRepository>(OCIRepositoryGVK);
const bucket = accessor<Bucket>(BucketGVK);
const kustomization = accessor<Kustomization>(KustomizationGVK);
const helmRelease = accessor<HelmRelease>(HelmReleaseGVK);
const imageRepository = accessor<ImageRepository>(ImageRepositoryGVK);
const imagePolicy = accessor<ImagePolicy>(ImagePolicyGVK);
const imageUpdateAutomation = accessor<ImageUpdateAutomation>(ImageUpdateAutomationGVK);

export const isGitRepository = gitRepository.is;
export const asGitRepository = gitRepository.as;
export const isHelmRepository = helmRepository.is;
export const asHelmRepository = helmRepository.as;
export const isHelmChart = helmChart.is;
export const asHelmChart = helmChart.as;
export const isOCIRepository = ociRepository.is;
export const asOCIRepository = ociRepository.as;
export const isBucket = bucket.is;
export const asBucket = bucket.as;
export const isKustomization = kustomization.is;
export const asKustomization = kustomization.as;
export const isHelmRelease = helmRelease.is;
export const asHelmRelease = helmRelease.as;
export const isImageRepository = imageRepository.is;
export const asImageRepository = imageRepository.as;
export const isImagePolicy = imagePolicy.is;
export const asImagePolicy = imagePolicy.as;
export const isImageUpdateAutomation = imageUpdateAutomation.is;
export const asImageUpdateAutomation = imageUpdateAutomation.as;

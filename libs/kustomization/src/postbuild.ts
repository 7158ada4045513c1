import type { KustomizationSpec } from '@tide/api';
import { emitDocument, parseDocuments, type ValueMap } from '@tide/kustomize';
import { jsonSafe } from './overlay.js';
import {
  SubstitutionError,
  substitute,
  substituteAnnotation,
  variableNamePattern,
} from './substitute.js';
import {
  configMapKind,
  isApiError,
  secretKind,
  type KubeClient,
  type Manifest,
  messageOf,
} from '@tide/kube';

/** What happens to the built objects before they are applied. */

type PostBuild = NonNullable<KustomizationSpec['postBuild']>;
export type SubstituteReference = NonNullable<PostBuild['substituteFrom']>[number];

/** Reads a ConfigMap's or Secret's data as text; undefined when it does not exist. */
export type DataReader = (
  reference: SubstituteReference,
) => Promise<Readonly<Record<string, string>> | undefined>;

/**
 * The variables of `postBuild`: each `substituteFrom` in order (a later one overrides an
 * earlier), then `substitute`, which overrides them all (as in Flux). A missing source is
 * an error unless it is `optional`; a variable name outside `[_a-zA-Z][_a-zA-Z0-9]*` is an
 * error naming it.
 */
export async function collectVariables(
  postBuild: PostBuild,
  read: DataReader,
): Promise<Map<string, string>> {
  const variables = new Map<string, string>();
  for (const reference of postBuild.substituteFrom ?? []) {
    const data = await read(reference);
    if (data === undefined) {
      if (reference.optional === true) continue;
      throw new SubstitutionError(
        `substituteFrom: ${reference.kind} '${reference.name}' not found`,
      );
    }
    for (const [name, value] of Object.entries(data)) {
      checkName(name, `${reference.kind} '${reference.name}'`);
      variables.set(name, value);
    }
  }
  for (const [name, value] of Object.entries(postBuild.substitute ?? {})) {
    checkName(name, 'substitute');
    variables.set(name, value);
  }
  return variables;
}

function checkName(name: string, where: string): void {
  if (!variableNamePattern.test(name))
    throw new SubstitutionError(
      `${where}: variable name '${name}' is invalid, it must match [_a-zA-Z][_a-zA-Z0-9]*`,
    );
}

/**
 * Substitutes the variables in each built resource's YAML and reads it back, so a value
 * may set a number or boolean field (`replicas: ${count}`). Resources annotated
 * `kustomize.toolkit.fluxcd.io/substitute: disabled` are left as they are.
 */
export function substituteResources(
  resources: readonly ValueMap[],
  variables: ReadonlyMap<string, string>,
  options: { strict?: boolean } = {},
): ValueMap[] {
  return resources.map((resource) => {
    if (annotationOf(resource, substituteAnnotation)?.toLowerCase() === 'disabled') return resource;
    const subject = subjectOfValue(resource);
    let text: string;
    try {
      text = substitute(emitDocument(resource), variables, options);
    } catch (error) {
      const message = messageOf(error);
      throw new SubstitutionError(`${subject}: ${message}`, { cause: error });
    }
    const [document, ...rest] = parseDocuments(text, `${subject} after substitution`);
    if (document === undefined || rest.length > 0 || !isValueMap(document))
      throw new SubstitutionError(`${subject}: substitution did not leave one object`);
    return document;
  });
}

/** Sets `commonMetadata` labels and annotations on each object's own metadata only. */
export function setCommonMetadata(
  objects: readonly Manifest[],
  common: KustomizationSpec['commonMetadata'],
): void {
  if (common === undefined) return;
  for (const object of objects) {
    if (common.labels !== undefined)
      object.metadata.labels = { ...object.metadata.labels, ...common.labels };
    if (common.annotations !== undefined)
      object.metadata.annotations = { ...object.metadata.annotations, ...common.annotations };
  }
}

/** Plain JSON objects (bigints as numbers) for the apply manager. */
export function toManifests(resources: readonly ValueMap[]): Manifest[] {
  return resources.map((resource) => JSON.parse(JSON.stringify(resource, jsonSafe)) as Manifest);
}

function isValueMap(value: unknown): value is ValueMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function annotationOf(resource: ValueMap, key: string): string | undefined {
  const metadata = resource.metadata;
  if (!isValueMap(metadata)) return undefined;
  const annotations = metadata.annotations;
  if (!isValueMap(annotations)) return undefined;
  const value = annotations[key];
  return typeof value === 'string' ? value : undefined;
}

function subjectOfValue(resource: ValueMap): string {
  const metadata = isValueMap(resource.metadata) ? resource.metadata : {};
  const parts = [resource.kind, metadata.namespace, metadata.name].filter(
    (part): part is string => typeof part === 'string' && part !== '',
  );
  return parts.join('/');
}

/**
 * The data of a ConfigMap or Secret `substituteFrom` names, as text; undefined if missing.
 * `client` is the identity the Kustomization applies with, so a tenant reads only what its
 * ServiceAccount may read; a refusal is a SubstitutionError naming the object.
 */
export async function readData(
  client: KubeClient,
  namespace: string,
  reference: SubstituteReference,
): Promise<Record<string, string> | undefined> {
  const kind = reference.kind === 'Secret' ? secretKind : configMapKind;
  let found: { metadata: object; data?: Record<string, string> };
  try {
    found = await client.get<typeof found>(kind, namespace, reference.name);
  } catch (error) {
    if (isApiError(error, 404)) return undefined;
    if (isApiError(error, 403))
      throw new SubstitutionError(
        `spec.postBuild.substituteFrom: ${reference.kind} '${reference.name}' cannot be read by the identity the Kustomization applies with (${error.details.serverMessage ?? error.message}); grant that ServiceAccount get on it, or reference an object it may read`,
        { cause: error },
      );
    throw error;
  }
  const data = found.data ?? {};
  if (reference.kind !== 'Secret') return { ...data };
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]),
  );
}

import type { KubeClient } from '@tide/kube';
import { objectPath, type ResourceInfo, type ResourceMapper } from './discovery.js';
import { UnknownKindError } from './errors.js';
import {
  isPlainObject,
  refOf,
  subjectOf,
  type Manifest,
  type ObjectRef,
  apiErrorFrom,
} from '@tide/kube';

/** What every verb of the manager works with. */
export interface ManagerContext {
  readonly client: KubeClient;
  readonly mapper: ResourceMapper;
  readonly fieldManager: string;
}

/** The resource of an object's kind; an unserved kind is an error that names the object. */
export async function resourceFor(context: ManagerContext, ref: ObjectRef): Promise<ResourceInfo> {
  try {
    return await context.mapper.resolve(ref.apiVersion, ref.kind);
  } catch (error) {
    if (error instanceof UnknownKindError)
      throw new UnknownKindError(`${subjectOf(ref)}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Reads an object; undefined when it does not exist. */
export async function getLive(
  context: ManagerContext,
  ref: ObjectRef,
  info?: ResourceInfo,
): Promise<Manifest | undefined> {
  const resource = info ?? (await resourceFor(context, ref));
  const subject = subjectOf(ref);
  const response = await context.client.send(
    { method: 'GET', path: objectPath(resource, ref) },
    { action: 'reading', subject },
  );
  if (response.status === 404) return undefined;
  if (response.status !== 200)
    throw apiErrorFrom(response.status, response.body, { action: 'reading', subject });
  return asKubeObject(response.body, subject);
}

export interface ServerApplyOptions {
  readonly dryRun: boolean;
  /** Take fields another manager owns (SSA `force=true`). */
  readonly force: boolean;
}

/**
 * One server-side apply: a PATCH with `application/apply-patch+yaml` whose body is JSON
 * (JSON is YAML), so unknown fields pass through untouched.
 */
export async function serverApply(
  context: ManagerContext,
  object: Manifest,
  info: ResourceInfo,
  options: ServerApplyOptions,
): Promise<Manifest> {
  const ref = refOf(object);
  const subject = subjectOf(ref);
  const action = options.dryRun ? 'dry-run applying' : 'applying';
  const body = await context.client.request(
    {
      method: 'PATCH',
      path: objectPath(info, ref),
      query: {
        fieldManager: context.fieldManager,
        force: String(options.force),
        ...(options.dryRun ? { dryRun: 'All' } : {}),
      },
      body: object,
      contentType: 'application/apply-patch+yaml',
    },
    { action, subject },
  );
  return asKubeObject(body, subject);
}

/** What a delete must still find true on the server (metav1.Preconditions). */
export interface DeletePreconditions {
  readonly uid?: string | undefined;
  readonly resourceVersion?: string | undefined;
}

/**
 * Deletes an object; false when it was already gone. With preconditions, the server refuses
 * (409) when the object is no longer the one they describe.
 */
export async function deleteLive(
  context: ManagerContext,
  ref: ObjectRef,
  info: ResourceInfo,
  propagationPolicy: 'Background' | 'Foreground' | 'Orphan' = 'Background',
  preconditions?: DeletePreconditions,
): Promise<boolean> {
  const subject = subjectOf(ref);
  const response = await context.client.send(
    {
      method: 'DELETE',
      path: objectPath(info, ref),
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        propagationPolicy,
        ...(preconditions === undefined ? {} : { preconditions }),
      },
    },
    { action: 'deleting', subject },
  );
  if (response.status === 404) return false;
  if (response.status < 200 || response.status > 299)
    throw apiErrorFrom(response.status, response.body, { action: 'deleting', subject });
  return true;
}

function asKubeObject(body: unknown, subject: string): Manifest {
  if (!isPlainObject(body) || !isPlainObject(body.metadata))
    throw new Error(`${subject}: the API server answered with something other than an object`);
  return body as Manifest;
}

import type { KubeClient } from './client.js';
import { objectPath, type ResourceInfo, type ResourceMapper } from './discovery.js';
import { apiErrorFrom, UnknownKindError } from './errors.js';
import { isObject, refOf, subjectOf, type KubeObject, type ObjectRef } from './object.js';

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
): Promise<KubeObject | undefined> {
  const resource = info ?? (await resourceFor(context, ref));
  const subject = subjectOf(ref);
  const response = await context.client.send(
    { method: 'GET', path: objectPath(resource, ref) },
    'reading',
    subject,
  );
  if (response.status === 404) return undefined;
  if (response.status !== 200)
    throw apiErrorFrom(response.status, response.body, 'reading', subject);
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
  object: KubeObject,
  info: ResourceInfo,
  options: ServerApplyOptions,
): Promise<KubeObject> {
  const ref = refOf(object);
  const subject = subjectOf(ref);
  const action = options.dryRun ? 'dry-run applying' : 'applying';
  const body = await context.client.call(
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
    action,
    subject,
  );
  return asKubeObject(body, subject);
}

/** Deletes an object; false when it was already gone. */
export async function deleteLive(
  context: ManagerContext,
  ref: ObjectRef,
  info: ResourceInfo,
  propagationPolicy: 'Background' | 'Foreground' | 'Orphan' = 'Background',
): Promise<boolean> {
  const subject = subjectOf(ref);
  const response = await context.client.send(
    {
      method: 'DELETE',
      path: objectPath(info, ref),
      body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy },
    },
    'deleting',
    subject,
  );
  if (response.status === 404) return false;
  if (response.status < 200 || response.status > 299)
    throw apiErrorFrom(response.status, response.body, 'deleting', subject);
  return true;
}

function asKubeObject(body: unknown, subject: string): KubeObject {
  if (!isObject(body) || !isObject(body.metadata))
    throw new Error(`${subject}: the API server answered with something other than an object`);
  return body as KubeObject;
}

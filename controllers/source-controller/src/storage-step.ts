import type { Writable } from 'node:stream';
import { basename } from 'node:path';
import { ConditionReason, ConditionType } from '@tide/api';
import { UntrustedArtifactError, type ArtifactOwner, type Storage } from '@tide/artifact';
import {
  EventType,
  GenericError,
  Result,
  deleteCondition,
  markTrue,
  type ReconcilableObject,
  type ReconcileResult,
  type Run,
} from '@tide/runtime';
import type { Artifact, KindRef, KubeObject } from '@tide/kube';

/** What the state of every source kind's run holds: its kind and where artifacts live. */
export interface SourceState {
  /** The reconciler's kind: it owns the artifacts in storage and names the object in messages. */
  readonly kind: KindRef;
  readonly storage: Storage;
}

/** The part of a source's status the storage step reads and corrects. */
export interface StoredArtifactStatus {
  status?: { artifact?: Artifact };
}

/**
 * The storage step every source kind runs first: an artifact in status that storage cannot
 * vouch for is dropped (the next steps rebuild it): its file is gone or has another size, its
 * path is not this object's own (a status written by someone else, pointing at another
 * object's artifact or out of storage), or its digest is missing or does not match the file.
 * A URL from an old advertised address is corrected, and older artifacts beyond the
 * retention count are removed. Sets no condition; a refused path is reported as a Warning
 * event.
 */
export async function reconcileStorage({
  obj,
  context,
  state,
}: Run<StoredArtifactStatus & KubeObject, SourceState>): Promise<ReconcileResult> {
  const { storage } = state;
  const owner = artifactOwner(state.kind, obj);
  const artifact = obj.status?.artifact;
  if (artifact === undefined) {
    await storage.garbageCollect(owner);
    return Result.Success;
  }
  const problem = await storage.problemWith(owner, artifact);
  if (problem !== undefined) {
    delete obj.status?.artifact;
    await storage.garbageCollect(owner);
    if (problem instanceof UntrustedArtifactError) {
      await context.event({
        type: EventType.Warning,
        reason:
          problem.field === 'path'
            ? ConditionReason.InvalidPath
            : ConditionReason.VerificationError,
        message: `${sourceName(state.kind, obj)}: dropped the artifact in status and building it again: ${problem.message}`,
      });
    }
    return Result.Success;
  }
  const url = storage.urlFor(artifact.path);
  if (artifact.url !== url && obj.status !== undefined) obj.status.artifact = { ...artifact, url };
  await storage.garbageCollect(owner, [basename(artifact.path)]);
  return Result.Success;
}

/**
 * Stores an artifact and records it in status; a storage failure marks
 * StorageOperationFailed and is retried.
 */
export function storeArtifact(
  obj: StoredArtifactStatus & ReconcilableObject,
  owner: ArtifactOwner,
  storage: Storage,
  file: string,
  content: Uint8Array,
  details: ArtifactDetails,
): Promise<Artifact> {
  return recordStored(obj, owner, () => storage.store(owner, file, content, details));
}

/**
 * As storeArtifact, for content streamed into storage as it is produced (a repository's
 * tarball), named from its digest by `nameFor`.
 */
export function storeStreamedArtifact(
  obj: StoredArtifactStatus & ReconcilableObject,
  owner: ArtifactOwner,
  storage: Storage,
  nameFor: (digest: string) => string,
  write: (sink: Writable) => Promise<void>,
  details: ArtifactDetails,
): Promise<Artifact> {
  return recordStored(obj, owner, () => storage.storeStreamed(owner, nameFor, write, details));
}

interface ArtifactDetails {
  readonly revision: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

async function recordStored(
  obj: StoredArtifactStatus & ReconcilableObject,
  owner: ArtifactOwner,
  store: () => Promise<Artifact>,
): Promise<Artifact> {
  let artifact: Artifact;
  try {
    artifact = await store();
  } catch (error) {
    const message = `storing artifact for ${owner.kind} ${owner.namespace}/${owner.name}: ${error instanceof Error ? error.message : String(error)}`;
    markTrue(
      obj,
      ConditionType.StorageOperationFailed,
      ConditionReason.ArchiveOperationFailed,
      message,
    );
    throw new GenericError(ConditionReason.ArchiveOperationFailed, message, { cause: error });
  }
  deleteCondition(obj, ConditionType.StorageOperationFailed);
  deleteCondition(obj, ConditionType.ArtifactOutdated);
  (obj.status ??= {}).artifact = artifact;
  return artifact;
}

/** Where a source kind's artifacts live in storage, per object. */
export function artifactOwner(kind: KindRef, obj: KubeObject): ArtifactOwner {
  return {
    kind: kind.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name ?? '',
  };
}

/**
 * What a person reads when another source's status names an artifact that is not that
 * source's own: which object, which field, and what to do about it.
 */
export function untrustedArtifactMessage(
  reader: string,
  owner: ArtifactOwner,
  error: UntrustedArtifactError,
): string {
  const source = `${owner.kind} ${owner.namespace}/${owner.name}`;
  const resource = `${owner.kind.toLowerCase().replace(/y$/, 'ie')}s`;
  return (
    `${reader}: ${error.message}, so it is not read; that status was not written by ` +
    `source-controller: check who may write ${resource}/status, and remove status.artifact ` +
    `of ${source} (or reconcile it) so source-controller stores its artifact again`
  );
}

/** `GitRepository apps/podinfo`: how messages name a source. */
export function sourceName(kind: KindRef, obj: KubeObject): string {
  return `${kind.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/** Finalizer of every source kind: its artifacts leave storage with it. */
export async function removeArtifacts(
  kind: KindRef,
  obj: KubeObject,
  storage: Storage,
): Promise<ReconcileResult> {
  await storage.removeAll(artifactOwner(kind, obj));
  return Result.Success;
}

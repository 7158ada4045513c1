import { basename } from 'node:path';
import { ConditionReason, ConditionType, type Artifact } from '@tide/api';
import type { ArtifactOwner, Storage } from '@tide/artifact';
import { GenericError, deleteCondition, markTrue, type ReconcilableObject } from '@tide/runtime';

/** The part of a source's status the storage step reads and corrects. */
export interface StoredArtifactStatus {
  status?: { artifact?: Artifact };
}

/**
 * The storage step every source kind runs first: an artifact in status whose file is gone
 * is dropped (the next steps rebuild it), a URL from an old advertised address is
 * corrected, and older artifacts beyond the retention count are removed.
 */
export async function storedArtifact(
  obj: StoredArtifactStatus,
  owner: ArtifactOwner,
  storage: Storage,
): Promise<void> {
  const artifact = obj.status?.artifact;
  if (artifact === undefined) {
    await storage.garbageCollect(owner);
    return;
  }
  if (!(await storage.has({ path: artifact.path, size: artifact.size ?? -1 }))) {
    delete obj.status?.artifact;
    await storage.garbageCollect(owner);
    return;
  }
  const url = storage.urlFor(artifact.path);
  if (artifact.url !== url && obj.status !== undefined) obj.status.artifact = { ...artifact, url };
  await storage.garbageCollect(owner, [basename(artifact.path)]);
}

/**
 * Stores an artifact and records it in status; a storage failure marks
 * StorageOperationFailed and is retried.
 */
export async function storeArtifact(
  obj: StoredArtifactStatus & ReconcilableObject,
  owner: ArtifactOwner,
  storage: Storage,
  file: string,
  content: Uint8Array,
  details: { revision: string; metadata?: Readonly<Record<string, string>> },
): Promise<Artifact> {
  let artifact: Artifact;
  try {
    artifact = await storage.store(owner, file, content, details);
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

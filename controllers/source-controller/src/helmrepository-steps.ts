import { ConditionReason, ConditionType, type HelmRepository } from '@tide/api';
import { redactUrl, sha256Digest } from '@tide/artifact';
import { HelmError, parseRepositoryIndex } from '@tide/helm';
import {
  EventType,
  GenericError,
  Result,
  StallingError,
  deleteCondition,
  markTrue,
  type ReconcileResult,
  type Run,
} from '@tide/runtime';
import { downloadWith, httpAuth } from './http-source.js';
import { artifactOwner, sourceName, storeArtifact, type SourceState } from './storage-step.js';
import { parseDuration } from '@tide/kube';

const defaultTimeoutMs = 60_000;

/** What the HelmRepository steps hand each other during one reconcile. */
export interface HelmRepositoryState extends SourceState {
  /** Refuse indexes larger than this (`--helm-index-max-size`). */
  readonly maxIndexSize: number;
  /** The downloaded index.yaml, once it parsed; set by reconcileSource. */
  index?: Buffer;
}

export type HelmRepositoryRun = Run<HelmRepository, HelmRepositoryState>;

/** Ready's message, and ArtifactInStorage's, once the index is stored. */
export function storedIndexMessage(obj: HelmRepository): string {
  return `stored artifact: revision '${obj.status?.artifact?.revision ?? ''}'`;
}

/**
 * Downloads `<url>/index.yaml` with the credentials and CA of `secretRef`/`certSecretRef`
 * and checks that it parses as a repository index. A failed download, Secret or parse sets
 * FetchFailed with the thrown error's reason (AuthenticationFailed, IndexationFailed);
 * success removes it. (Type `oci` is refused before, by the support matrix step.)
 */
export async function reconcileSource({
  obj,
  context,
  state,
}: HelmRepositoryRun): Promise<ReconcileResult> {
  // type 'oci' never gets here: the support matrix step refuses it first.
  const name = sourceName(state.kind, obj);
  const timeoutMs =
    obj.spec.timeout === undefined ? defaultTimeoutMs : parseDuration(obj.spec.timeout);
  const indexUrl = `${obj.spec.url.replace(/\/+$/, '')}/index.yaml`;
  try {
    const auth = await httpAuth(context.client, obj.metadata.namespace ?? '', obj.spec, name);
    const index = await downloadWith(
      indexUrl,
      auth,
      { maxSize: state.maxIndexSize, timeoutMs },
      ConditionReason.IndexationFailed,
      `failed to fetch Helm repository index of ${name}`,
      'stall',
    );
    parseRepositoryIndex(index.toString('utf8'), redactUrl(indexUrl));
    state.index = index;
  } catch (error) {
    const failure =
      error instanceof HelmError
        ? new GenericError(ConditionReason.IndexationFailed, `${name}: ${error.message}`, {
            cause: error,
          })
        : error;
    if (failure instanceof GenericError || failure instanceof StallingError) {
      markTrue(obj, ConditionType.FetchFailed, failure.reason, failure.message);
    }
    throw failure;
  }
  deleteCondition(obj, ConditionType.FetchFailed);
  return Result.Success;
}

/**
 * Stores the index as `index-<sha256>.yaml` with revision `sha256:<hex>` unless the stored
 * artifact has that digest already, and sets ArtifactInStorage; a new digest records a
 * NewArtifact event. A storage failure sets StorageOperationFailed.
 */
export async function reconcileArtifact({
  obj,
  context,
  state,
}: HelmRepositoryRun): Promise<ReconcileResult> {
  const index = state.index;
  if (index === undefined) return Result.Empty;
  const digest = sha256Digest(index);
  if (obj.status?.artifact?.digest === digest) {
    markTrue(
      obj,
      ConditionType.ArtifactInStorage,
      ConditionReason.Succeeded,
      storedIndexMessage(obj),
    );
    return Result.Success;
  }
  const hex = digest.slice('sha256:'.length);
  await storeArtifact(
    obj,
    artifactOwner(state.kind, obj),
    state.storage,
    `index-${hex}.yaml`,
    index,
    { revision: digest },
  );
  markTrue(
    obj,
    ConditionType.ArtifactInStorage,
    ConditionReason.Succeeded,
    storedIndexMessage(obj),
  );
  await context.event({
    type: EventType.Normal,
    reason: ConditionReason.NewArtifact,
    message: `stored fetched index of size ${index.length} from '${redactUrl(obj.spec.url)}'`,
    annotations: { 'source.toolkit.fluxcd.io/revision': digest },
  });
  return Result.Success;
}

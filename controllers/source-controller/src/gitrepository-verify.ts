/**
 * GitRepository `spec.verify`: the fetched commit (mode HEAD), the annotated tag the ref
 * names (Tag) or both (TagAndHEAD) must carry a signature by a key of the verify Secret
 * before an artifact is built. Keys are read from the Secret on every verification, so a
 * rotation takes effect on the next fetch; a failure keeps the last good artifact.
 */
import { ConditionReason, ConditionType, type GitRepository } from '@tide/api';
import {
  SignatureError,
  signedCommit,
  signedTag,
  tagTarget,
  trustedKeysFromSecret,
  verifySignedPayload,
  type GitObjectStore,
  type SignedPayload,
  type TrustedKeys,
  type VerifiedSignature,
} from '@tide/git';
import {
  GenericError,
  Result,
  StallingError,
  deleteCondition,
  isTrue,
  markFalse,
  markTrue,
  type ReconcileError,
  type ReconcileResult,
} from '@tide/runtime';
import type { GitRun } from './gitrepository-steps.js';
import { readSecretData } from './secrets.js';
import { sourceName } from './storage-step.js';

/** The verification modes of the v1 API (`head` is v1beta2's spelling of HEAD). */
export type VerificationMode = 'HEAD' | 'Tag' | 'TagAndHEAD';

/** The spec's mode, HEAD when unset; undefined when the object asks for no verification. */
export function verificationMode(obj: GitRepository): VerificationMode | undefined {
  const verify = obj.spec.verify;
  if (verify === undefined) return undefined;
  const mode = verify.mode ?? 'HEAD';
  return mode === 'head' ? 'HEAD' : mode;
}

/**
 * Whether the artifact must be rebuilt to be verified: a verify spec whose mode the stored
 * artifact was not verified with, or whose last verification did not pass.
 */
export function needsVerification(obj: GitRepository): boolean {
  const mode = verificationMode(obj);
  if (mode === undefined) return false;
  return obj.status?.sourceVerificationMode !== mode || !isTrue(obj, ConditionType.SourceVerified);
}

/**
 * Verifies the fetched objects as `spec.verify` asks, before reconcileArtifact stores them.
 * Without a verify spec, SourceVerified and the observed mode are removed; with one and
 * nothing newly fetched, the stored artifact's verification stands. A failure marks
 * SourceVerified=False with Flux's reason and throws, so no artifact is built.
 */
export async function reconcileVerification(run: GitRun): Promise<ReconcileResult> {
  const { obj, state } = run;
  const mode = verificationMode(obj);
  if (mode === undefined) {
    deleteCondition(obj, ConditionType.SourceVerified);
    if (obj.status !== undefined) Reflect.deleteProperty(obj.status, 'sourceVerificationMode');
    return Result.Success;
  }
  const { fetched, resolved } = state;
  if (fetched === undefined || resolved === undefined) return Result.Success;
  const keys = await verifyKeys(run);
  const lines: string[] = [];
  if (mode !== 'HEAD') {
    const { tag, signer } = await verifyTag(run, fetched, keys);
    lines.push(`tag '${tag}' with key '${signer.key}'`);
  }
  if (mode !== 'Tag') {
    const signer = await verifyCommit(run, fetched, keys);
    lines.push(`commit '${resolved.commit}' with key '${signer.key}'`);
  }
  const status = (obj.status ??= {});
  status.sourceVerificationMode = mode;
  const message = `verified signature of\n${lines.map((line) => `\t- ${line}`).join('\n')}`;
  markTrue(obj, ConditionType.SourceVerified, ConditionReason.Succeeded, message);
  return Result.Success;
}

/** The trusted keys, read from the Secret now (never cached), or a VerificationError. */
async function verifyKeys(run: GitRun): Promise<TrustedKeys> {
  const { obj, context, state } = run;
  const namespace = obj.metadata.namespace ?? '';
  // A v1beta1 object may leave secretRef out, although the v1 type requires it.
  const ref: { readonly name?: string } | undefined = obj.spec.verify?.secretRef;
  const secret = ref?.name;
  const owner = sourceName(state.kind, obj);
  if (secret === undefined || secret === '') {
    throw failed(
      run,
      new StallingError(
        ConditionReason.VerificationError,
        `${owner}: spec.verify has no secretRef naming the trusted public keys`,
      ),
    );
  }
  try {
    const data = await readSecretData(context.client, namespace, secret, owner);
    return await trustedKeysFromSecret(data, `${namespace}/${secret}`);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return Promise.reject(
      failed(
        run,
        new GenericError(ConditionReason.VerificationError, `public keys secret error: ${why}`, {
          cause: error,
        }),
      ),
    );
  }
}

async function verifyTag(
  run: GitRun,
  store: GitObjectStore,
  keys: TrustedKeys,
): Promise<{ tag: string; signer: VerifiedSignature }> {
  const resolved = run.state.resolved;
  const refName = resolved?.refName;
  if (resolved === undefined || refName?.startsWith('refs/tags/') !== true) {
    throw failed(
      run,
      new StallingError(
        ConditionReason.InvalidVerificationMode,
        "cannot verify tag object's signature if a tag reference is not specified",
      ),
    );
  }
  const tagName = refName.slice('refs/tags/'.length);
  const unsigned = (): ReconcileError =>
    failed(
      run,
      new GenericError(
        ConditionReason.InvalidGitObject,
        `cannot verify signature of tag '${tagName}' since it is not signed`,
      ),
    );
  if (resolved.tagObject === undefined) throw unsigned();
  const label = `${tagName}@sha1:${resolved.tagObject}`;
  const tagFailed = (error: unknown): ReconcileError =>
    failed(
      run,
      new GenericError(
        ConditionReason.InvalidTagSignature,
        `signature verification of tag '${label}' failed: ${messageOf(error)}`,
        { cause: error },
      ),
    );
  let signed: SignedPayload | undefined;
  try {
    const tag = await store.read(resolved.tagObject);
    const target = tagTarget(tag);
    // The signature vouches for the tag's own object line: it must be the commit fetched.
    if (target.object !== resolved.commit) {
      throw new SignatureError(
        'InvalidSignature',
        `the tag points at ${target.object}, not at the commit ${resolved.commit}`,
      );
    }
    signed = signedTag(tag);
  } catch (error) {
    throw tagFailed(error);
  }
  if (signed === undefined) throw unsigned();
  try {
    return { tag: label, signer: await verifySignedPayload(signed, keys) };
  } catch (error) {
    throw tagFailed(error);
  }
}

async function verifyCommit(
  run: GitRun,
  store: GitObjectStore,
  keys: TrustedKeys,
): Promise<VerifiedSignature> {
  const commit = run.state.resolved?.commit ?? '';
  try {
    const signed = signedCommit(await store.read(commit));
    if (signed === undefined) throw new SignatureError('Unsigned', 'the commit is not signed');
    return await verifySignedPayload(signed, keys);
  } catch (error) {
    throw failed(
      run,
      new GenericError(
        ConditionReason.InvalidCommitSignature,
        `signature verification of commit '${commit}' failed: ${messageOf(error)}`,
        { cause: error },
      ),
    );
  }
}

function failed({ obj }: GitRun, error: ReconcileError): ReconcileError {
  markFalse(obj, ConditionType.SourceVerified, error.reason, error.message);
  return error;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import { ConditionReason } from '@tide/api';
import {
  ArtifactFetchError,
  download,
  hasUserInfo,
  isCleartextToNetwork,
  redactUrl,
  redactUrlsIn,
} from '@tide/artifact';
import { GenericError, StallingError, type ReconcileError } from '@tide/runtime';
import { readSecretData } from './secrets.js';
import type { KubeClient } from '@tide/kube';

/** Credentials and TLS settings for an HTTP chart repository, from its Secrets. */
export interface HttpAuth {
  readonly headers: Readonly<Record<string, string>>;
  readonly caPem?: string;
  /** The repository's `spec.insecure`: credentials may be sent over plain http. */
  readonly insecure?: boolean;
}

/**
 * Reads `secretRef` (username/password) and `certSecretRef` (ca.crt) of a HelmRepository,
 * as Flux documents them. A Secret with half a credential is a spec error.
 */
export async function httpAuth(
  client: KubeClient,
  namespace: string,
  refs: { secretRef?: { name: string }; certSecretRef?: { name: string }; insecure?: boolean },
  owner: string,
): Promise<HttpAuth> {
  const headers: Record<string, string> = {};
  let caPem: string | undefined;
  if (refs.secretRef !== undefined) {
    const data = await readSecretData(client, namespace, refs.secretRef.name, owner);
    const username = data.username?.toString('utf8');
    const password = data.password?.toString('utf8');
    if ((username === undefined) !== (password === undefined)) {
      throw new StallingError(
        ConditionReason.AuthenticationFailed,
        `${owner}: secret '${refs.secretRef.name}' must hold both 'username' and 'password'`,
      );
    }
    if (username !== undefined)
      headers.authorization = `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;
    caPem = data['ca.crt']?.toString('utf8') ?? data.caFile?.toString('utf8');
  }
  if (refs.certSecretRef !== undefined) {
    const data = await readSecretData(client, namespace, refs.certSecretRef.name, owner);
    caPem = data['ca.crt']?.toString('utf8') ?? caPem;
  }
  return {
    headers,
    ...(caPem === undefined ? {} : { caPem }),
    ...(refs.insecure === true ? { insecure: true } : {}),
  };
}

/**
 * Downloads with the repository's credentials; failures become retryable reconcile errors.
 * Credentials that would cross a network over plain http are refused before any request
 * (`refusal` says whether that stalls the object or is retried), unless `spec.insecure`.
 */
export async function downloadWith(
  url: string,
  auth: HttpAuth | undefined,
  limits: { maxSize: number; timeoutMs: number },
  reason: string,
  what: string,
  refusal: 'stall' | 'retry' = 'retry',
): Promise<Buffer> {
  const cleartext = cleartextCredentials(url, auth);
  if (cleartext !== undefined) {
    const message = `${what}: refusing to send ${cleartext} over plain http to ${redactUrl(url)}, where anyone on the network can read them; use an https:// URL, or set spec.insecure: true on the HelmRepository to allow it`;
    throw refusal === 'stall'
      ? new StallingError(ConditionReason.InvalidSourceConfig, message)
      : new GenericError(ConditionReason.InvalidSourceConfig, message);
  }
  try {
    return await download(url, {
      ...limits,
      headers: auth?.headers ?? {},
      displayUrl: redactUrl(url),
      ...(auth?.caPem === undefined ? {} : { caPem: auth.caPem }),
      ...(auth?.insecure === true ? { allowCleartextCredentials: true } : {}),
    });
  } catch (error) {
    throw downloadFailure(error, reason, what);
  }
}

/** What credentials a GET of `url` would send in clear text across a network, if any. */
function cleartextCredentials(url: string, auth: HttpAuth | undefined): string | undefined {
  if (auth?.insecure === true || !isCleartextToNetwork(url)) return undefined;
  if (auth?.headers.authorization !== undefined)
    return "the username/password of the HelmRepository's spec.secretRef";
  if (hasUserInfo(url)) return 'the user info in the URL';
  return undefined;
}

function downloadFailure(error: unknown, reason: string, what: string): ReconcileError {
  const message = redactUrlsIn(error instanceof Error ? error.message : String(error));
  if (error instanceof ArtifactFetchError && error.reason === 'Unauthorized') {
    return new GenericError(ConditionReason.AuthenticationFailed, `${what}: ${message}`, {
      cause: error,
    });
  }
  return new GenericError(reason, `${what}: ${message}`, { cause: error });
}

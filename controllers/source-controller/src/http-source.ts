import { ConditionReason } from '@tide/api';
import { ArtifactFetchError, download } from '@tide/artifact';
import { GenericError, StallingError, type ReconcileError } from '@tide/runtime';
import { readSecretData } from './secrets.js';
import type { KubeClient } from '@tide/kube';

/** Credentials and TLS settings for an HTTP chart repository, from its Secrets. */
export interface HttpAuth {
  readonly headers: Readonly<Record<string, string>>;
  readonly caPem?: string;
}

/**
 * Reads `secretRef` (username/password) and `certSecretRef` (ca.crt) of a HelmRepository,
 * as Flux documents them. A Secret with half a credential is a spec error.
 */
export async function httpAuth(
  client: KubeClient,
  namespace: string,
  refs: { secretRef?: { name: string }; certSecretRef?: { name: string } },
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
  return { headers, ...(caPem === undefined ? {} : { caPem }) };
}

/** Downloads with the repository's credentials; failures become retryable reconcile errors. */
export async function downloadWith(
  url: string,
  auth: HttpAuth | undefined,
  limits: { maxSize: number; timeoutMs: number },
  reason: string,
  what: string,
): Promise<Buffer> {
  try {
    return await download(url, {
      ...limits,
      headers: auth?.headers ?? {},
      ...(auth?.caPem === undefined ? {} : { caPem: auth.caPem }),
    });
  } catch (error) {
    throw downloadFailure(error, reason, what);
  }
}

function downloadFailure(error: unknown, reason: string, what: string): ReconcileError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ArtifactFetchError && error.reason === 'Unauthorized') {
    return new GenericError(ConditionReason.AuthenticationFailed, `${what}: ${message}`, {
      cause: error,
    });
  }
  return new GenericError(reason, `${what}: ${message}`, { cause: error });
}

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
  /** The TLS client certificate (`tls.crt`/`tls.key` of certSecretRef). */
  readonly clientCertificate?: { readonly certPem: string; readonly keyPem: string };
  /** The repository's `spec.insecure`: credentials may be sent over plain http. */
  readonly insecure?: boolean;
}

/**
 * Reads `secretRef` (username/password) and `certSecretRef` (`tls.crt` + `tls.key`, `ca.crt`)
 * of a HelmRepository, as Flux documents them. Without a certSecretRef, the TLS keys Flux
 * deprecated in secretRef (`certFile` + `keyFile`, `caFile`, and `ca.crt`) still apply; a
 * certSecretRef replaces them. A Secret with half a credential or half a key pair is a
 * spec error.
 */
export async function httpAuth(
  client: KubeClient,
  namespace: string,
  refs: { secretRef?: { name: string }; certSecretRef?: { name: string }; insecure?: boolean },
  owner: string,
): Promise<HttpAuth> {
  const headers: Record<string, string> = {};
  let tls: TlsMaterial = {};
  if (refs.secretRef !== undefined) {
    const name = refs.secretRef.name;
    const data = await readSecretData(client, namespace, name, owner);
    const username = data.username?.toString('utf8');
    const password = data.password?.toString('utf8');
    if ((username === undefined) !== (password === undefined)) {
      throw new StallingError(
        ConditionReason.AuthenticationFailed,
        `${owner}: secret '${name}' must hold both 'username' and 'password'`,
      );
    }
    if (username !== undefined)
      headers.authorization = `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;
    if (refs.certSecretRef === undefined)
      tls = tlsMaterial(
        data,
        ['certFile', 'keyFile'],
        ['ca.crt', 'caFile'],
        owner,
        `spec.secretRef '${name}'`,
      );
  }
  if (refs.certSecretRef !== undefined) {
    const name = refs.certSecretRef.name;
    const data = await readSecretData(client, namespace, name, owner);
    tls = tlsMaterial(
      data,
      ['tls.crt', 'tls.key'],
      ['ca.crt'],
      owner,
      `spec.certSecretRef '${name}'`,
    );
  }
  return {
    headers,
    ...(tls.caPem === undefined ? {} : { caPem: tls.caPem }),
    ...(tls.clientCertificate === undefined ? {} : { clientCertificate: tls.clientCertificate }),
    ...(refs.insecure === true ? { insecure: true } : {}),
  };
}

interface TlsMaterial {
  caPem?: string;
  clientCertificate?: { certPem: string; keyPem: string };
}

/** The CA and client key pair under the given keys; one half of the pair stalls. */
function tlsMaterial(
  data: Readonly<Record<string, Buffer>>,
  [certKey, keyKey]: readonly [string, string],
  caKeys: readonly string[],
  owner: string,
  field: string,
): TlsMaterial {
  const certPem = data[certKey]?.toString('utf8');
  const keyPem = data[keyKey]?.toString('utf8');
  if ((certPem === undefined) !== (keyPem === undefined)) {
    const [has, lacks] = certPem === undefined ? [keyKey, certKey] : [certKey, keyKey];
    throw new StallingError(
      ConditionReason.AuthenticationFailed,
      `${owner}: ${field} has '${has}' but no '${lacks}'; a TLS client certificate needs both`,
    );
  }
  const caPem = caKeys.map((key) => data[key]?.toString('utf8')).find((pem) => pem !== undefined);
  return {
    ...(caPem === undefined ? {} : { caPem }),
    ...(certPem === undefined || keyPem === undefined
      ? {}
      : { clientCertificate: { certPem, keyPem } }),
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
  if (auth?.clientCertificate !== undefined && url.startsWith('http://')) {
    const message = `${what}: the certSecretRef holds a TLS client certificate (tls.crt/tls.key), which is only presented over https, and ${redactUrl(url)} is plain http; use an https:// URL`;
    throw refusal === 'stall'
      ? new StallingError(ConditionReason.InvalidSourceConfig, message)
      : new GenericError(ConditionReason.InvalidSourceConfig, message);
  }
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
      ...(auth?.clientCertificate === undefined
        ? {}
        : { clientCertificate: auth.clientCertificate }),
      ...(auth?.insecure === true ? { allowCleartextCredentials: true } : {}),
    });
  } catch (error) {
    throw downloadFailure(error, reason, what, auth);
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

function downloadFailure(
  error: unknown,
  reason: string,
  what: string,
  auth: HttpAuth | undefined,
): ReconcileError {
  const message = redactUrlsIn(error instanceof Error ? error.message : String(error));
  if (error instanceof ArtifactFetchError && error.reason === 'Unauthorized') {
    return new GenericError(ConditionReason.AuthenticationFailed, `${what}: ${message}`, {
      cause: error,
    });
  }
  const hint = tlsHint(error, auth);
  if (hint !== undefined) {
    return new GenericError(ConditionReason.AuthenticationFailed, `${what}: ${message}: ${hint}`, {
      cause: error,
    });
  }
  return new GenericError(reason, `${what}: ${message}`, { cause: error });
}

/** What a TLS failure means for the HelmRepository's certSecretRef, if it is one. */
function tlsHint(error: unknown, auth: HttpAuth | undefined): string | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const text = typeof code === 'string' ? code : '';
  const message = cause instanceof Error ? cause.message : '';
  if (
    /ALERT_(CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|ACCESS_DENIED)/.test(
      text,
    )
  ) {
    return auth?.clientCertificate === undefined
      ? 'the server requires a TLS client certificate; set tls.crt and tls.key in spec.certSecretRef'
      : 'the server refused the TLS client certificate of spec.certSecretRef (tls.crt/tls.key)';
  }
  if (
    /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_SIGNATURE_FAILURE|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID)$/.test(
      text,
    )
  ) {
    return 'the server certificate is not trusted; set ca.crt in spec.certSecretRef to the CA that signed it';
  }
  if (
    auth?.clientCertificate !== undefined &&
    (text === 'ECONNRESET' || message === 'socket hang up')
  ) {
    return 'the server closed the TLS connection; it may have refused the TLS client certificate of spec.certSecretRef (tls.crt/tls.key): check that a CA the server trusts signed it';
  }
  return undefined;
}

import type { IncomingMessage } from 'node:http';
import {
  openRequest,
  type ConnectionSettings,
  type TunnelFailure,
  type TunnelProxy,
} from '@tide/artifact';
import { RegistryError } from './errors.js';

/** An HTTP proxy: CONNECT tunnels for https, forwarding for plain http (as Go's net/http). */
export type RegistryProxy = TunnelProxy;

/**
 * TLS and proxy settings shared by every request to one registry: a CA (`ca.crt` of a
 * certSecretRef), a client certificate (`tls.crt`/`tls.key`), a proxy.
 */
export type ConnectionOptions = ConnectionSettings;

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface HttpCall {
  readonly method: 'GET' | 'HEAD';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /** Bodies larger than this are refused while reading. */
  readonly maxBytes: number;
  readonly signal: AbortSignal;
  /** How the call is named in errors: the image and the operation, never a credential. */
  readonly what: string;
}

/** One request over node:http(s), its body read into memory up to `maxBytes`. */
export function send(call: HttpCall, connection: ConnectionOptions): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const fail = (error: unknown): void => {
      reject(describe(error, call, connection));
    };
    if (call.signal.aborted) {
      fail(call.signal.reason);
      return;
    }
    const onResponse = (response: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > call.maxBytes) {
          response.destroy(
            new RegistryError(
              'TooLarge',
              `${call.what}: the answer is larger than ${call.maxBytes} bytes`,
            ),
          );
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', fail);
      response.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        resolve({ status: response.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
      });
    };
    const outgoing = openRequest(
      call.url,
      { method: call.method, headers: call.headers, signal: call.signal },
      connection,
      (failure) => tunnelFailed(call, failure),
      onResponse,
    );
    outgoing.on('error', fail);
    outgoing.end();
  });
}

/** The error a refused or failed CONNECT to the proxy becomes. */
function tunnelFailed(call: HttpCall, failure: TunnelFailure): RegistryError {
  const host = new URL(failure.proxy.address).host;
  if ('error' in failure) {
    return new RegistryError(
      'Unreachable',
      `${call.what}: proxy ${host}: ${failure.error.message}`,
      {
        cause: failure.error,
      },
    );
  }
  return new RegistryError(
    failure.status === 407 ? 'Unauthorized' : 'Unreachable',
    `${call.what}: proxy ${host} answered HTTP ${failure.status} to CONNECT ${failure.authority}`,
  );
}

const untrusted =
  /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_SIGNATURE_FAILURE|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID)$/;

function describe(error: unknown, call: HttpCall, connection: ConnectionOptions): RegistryError {
  if (error instanceof RegistryError) return error;
  if (call.signal.aborted) {
    const reason: unknown = call.signal.reason;
    if (reason instanceof RegistryError) return reason;
    return new RegistryError('Timeout', `${call.what}: timed out`);
  }
  const code = (error as { code?: unknown } | null)?.code;
  const text = typeof code === 'string' ? code : '';
  const message = error instanceof Error ? error.message : String(error);
  if (untrusted.test(text)) {
    const hint =
      connection.caPem === undefined
        ? 'the registry certificate is not trusted; set ca.crt in the certSecretRef to the CA that signed it'
        : "the registry certificate is not trusted by the certSecretRef's ca.crt";
    return new RegistryError('Unreachable', `${call.what}: ${hint} (${text})`, { cause: error });
  }
  if (/ALERT_(CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|BAD_CERTIFICATE|UNKNOWN_CA)/.test(text)) {
    return new RegistryError(
      'Unauthorized',
      `${call.what}: the registry refused the TLS client certificate, or requires one (tls.crt/tls.key) (${text})`,
      { cause: error },
    );
  }
  return new RegistryError('Unreachable', `${call.what}: ${message}`, { cause: error });
}

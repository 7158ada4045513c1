import type { IncomingMessage } from 'node:http';
import { openRequest, type TunnelFailure } from '@tide/artifact';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import type { ProxySettings } from './auth.js';
import { GitError, redactUrl } from './errors.js';

/** isomorphic-git's HttpClient, plus what the caller needs to report on the operation. */
export interface Transport extends HttpClient {
  bytesReceived(): number;
  /** The first transport-level failure (timeout, size, network), if any. */
  failure(): GitError | undefined;
  /** Status and content type of the last answer, to describe it without its body. */
  lastAnswer(): { status: number; contentType: string } | undefined;
}

export interface TransportOptions {
  /** PEM bundle to trust in addition to the system roots (`ca.crt` of the secret). */
  readonly caPem?: string;
  /** Headers sent with every request (authorization). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The whole operation is aborted when this fires. */
  readonly signal?: AbortSignal;
  /** Refuse to download more than this many bytes in total. */
  readonly maxBytes?: number;
  /** The TLS client certificate presented to https servers (`tls.crt`/`tls.key`). */
  readonly clientCertificate?: { readonly certPem: string; readonly keyPem: string };
  /** Reach the server through this proxy: CONNECT for https, forwarding for http. */
  readonly proxy?: ProxySettings;
}

/**
 * The HTTP transport isomorphic-git uses: node:http(s) with a custom CA, an optional client
 * certificate and proxy, a byte budget enforced while streaming, and abort on the
 * operation's deadline.
 */
export function createTransport(options: TransportOptions): Transport {
  let received = 0;
  let failure: GitError | undefined;
  let lastAnswer: { status: number; contentType: string } | undefined;
  // isomorphic-git may wrap or replace the errors its transport throws; remember the first.
  const fail = (error: GitError): GitError => {
    failure ??= error;
    return error;
  };
  return {
    bytesReceived: () => received,
    failure: () => failure,
    lastAnswer: () => lastAnswer,
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const body = req.body === undefined ? undefined : await collect(req.body);
      const response = await send(req, body, options).catch((error: unknown) => {
        throw error instanceof GitError ? fail(error) : error;
      });
      if (options.proxy !== undefined && response.statusCode === 407) {
        response.resume();
        throw fail(proxyRefused(options.proxy));
      }
      const count = async function* (): AsyncIterableIterator<Uint8Array> {
        try {
          for await (const chunk of response as AsyncIterable<Buffer>) {
            received += chunk.length;
            if (options.maxBytes !== undefined && received > options.maxBytes) {
              throw fail(
                new GitError(
                  'TooLarge',
                  `repository ${redactUrl(req.url)} is larger than the limit of ${options.maxBytes} bytes`,
                ),
              );
            }
            yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
          }
        } catch (error) {
          response.destroy();
          if (error instanceof GitError) throw fail(error);
          if (options.signal?.aborted === true) throw fail(abortError(req.url, options.signal));
          throw fail(
            new GitError('Unreachable', `${redactUrl(req.url)}: ${String(error)}`, {
              cause: error,
            }),
          );
        }
      };
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      lastAnswer = {
        status: response.statusCode ?? 0,
        contentType: headers['content-type'] ?? 'none',
      };
      return {
        url: req.url,
        method: req.method ?? 'GET',
        statusCode: response.statusCode ?? 0,
        statusMessage: response.statusMessage ?? '',
        headers,
        body: count(),
      };
    },
  };
}

async function collect(body: AsyncIterableIterator<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function send(
  req: GitHttpRequest,
  body: Buffer | undefined,
  options: TransportOptions,
): Promise<IncomingMessage> {
  const url = new URL(req.url);
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted === true) {
      reject(abortError(req.url, options.signal));
      return;
    }
    const headers: Record<string, string> = {
      ...req.headers,
      ...options.headers,
      ...(body === undefined ? {} : { 'content-length': String(body.length) }),
    };
    const outgoing = openRequest(
      url,
      {
        method: req.method ?? 'GET',
        headers,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
      options,
      tunnelFailed,
      resolve,
    );
    outgoing.on('error', (error) => {
      reject(
        options.signal?.aborted === true
          ? abortError(req.url, options.signal)
          : error instanceof GitError
            ? error
            : connectionError(req.url, error, options),
      );
    });
    outgoing.end(body);
  });
}

/** The error a refused or failed CONNECT to the proxy becomes. */
function tunnelFailed(failure: TunnelFailure): GitError {
  const proxy = failure.proxy;
  if ('error' in failure) {
    return new GitError(
      'Unreachable',
      `proxy ${redactUrl(proxy.address)}: ${failure.error.message} (CONNECT ${failure.authority})`,
      { cause: failure.error },
    );
  }
  if (failure.status === 407) return proxyRefused(proxy);
  return new GitError(
    'Unreachable',
    `proxy ${redactUrl(proxy.address)} answered HTTP ${failure.status} to CONNECT ${failure.authority}`,
  );
}

function proxyRefused(proxy: ProxySettings): GitError {
  const which =
    proxy.username === undefined
      ? 'asked for credentials the proxySecretRef does not hold'
      : 'refused the username/password of the proxySecretRef';
  return new GitError(
    'AuthenticationFailed',
    `proxy ${redactUrl(proxy.address)} ${which} (HTTP 407)`,
  );
}

/** Names TLS failures for what they mean: whose certificate, and which Secret key fixes it. */
function connectionError(url: string, error: Error, options: TransportOptions): GitError {
  const code = (error as { code?: unknown }).code;
  const text = typeof code === 'string' ? code : '';
  const where = redactUrl(url);
  if (
    /ALERT_(CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|ACCESS_DENIED)/.test(
      text,
    )
  ) {
    const hint =
      options.clientCertificate === undefined
        ? 'the server requires a TLS client certificate; set tls.crt and tls.key in the secretRef'
        : "the server refused the secretRef's TLS client certificate (tls.crt/tls.key): it is not signed by a CA the server trusts, or has expired";
    return new GitError('AuthenticationFailed', `${where}: ${hint} (${text})`, { cause: error });
  }
  if (
    /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_SIGNATURE_FAILURE|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID)$/.test(
      text,
    )
  ) {
    const hint =
      options.caPem === undefined
        ? 'the server certificate is not trusted; set ca.crt in the secretRef to the CA that signed it'
        : "the server certificate is not trusted by the secretRef's ca.crt";
    return new GitError('Unreachable', `${where}: ${hint} (${text})`, { cause: error });
  }
  // With TLS 1.3 the server checks the client certificate after the client's handshake is
  // done, so a refused certificate often shows up only as the connection being closed.
  if (
    url.startsWith('https:') &&
    (text === 'ECONNRESET' || error.message === 'socket hang up') &&
    options.clientCertificate !== undefined
  ) {
    return new GitError(
      'AuthenticationFailed',
      `${where}: the server closed the TLS connection without answering; it may have refused the secretRef's TLS client certificate (tls.crt/tls.key): check that a CA the server trusts signed it`,
      { cause: error },
    );
  }
  return new GitError('Unreachable', `${where}: ${error.message}`, { cause: error });
}

function abortError(url: string, signal: AbortSignal): GitError {
  const reason: unknown = signal.reason;
  if (reason instanceof GitError) return reason;
  return new GitError('Timeout', `${redactUrl(url)}: operation timed out`);
}

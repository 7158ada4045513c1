import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { hasUserInfo, isCleartextToNetwork, redactUrl, redactUrlsIn } from './url.js';

/** Why a download failed; each reason is a condition message a person can act on. */
export type ArtifactFetchReason =
  | 'NotFound'
  | 'Unauthorized'
  | 'DigestMismatch'
  | 'TooLarge'
  | 'Unreachable'
  | 'HTTPError'
  | 'Invalid'
  | 'InsecureCredentials';

export class ArtifactFetchError extends Error {
  override readonly name = 'ArtifactFetchError';
  constructor(
    readonly reason: ArtifactFetchReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface DownloadOptions {
  /** Refuse bodies larger than this many bytes (checked while reading). */
  readonly maxSize: number;
  readonly timeoutMs: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** PEM of a CA to trust for HTTPS, beside the system roots. */
  readonly caPem?: string;
  /** A TLS client certificate (PEM) presented to https servers. */
  readonly clientCertificate?: { readonly certPem: string; readonly keyPem: string };
  /** How the URL is named in errors (the URL itself by default); user info is removed either way. */
  readonly displayUrl?: string;
  /**
   * Send credentials (an `authorization` header, user info in the URL) over plain `http:` to
   * a non-loopback host. Off by default: such a request is refused before it is made.
   */
  readonly allowCleartextCredentials?: boolean;
  /** Ends the request (and the body being read) when it aborts. */
  readonly signal?: AbortSignal;
}

/**
 * One GET over node:http(s) with a deadline, a size limit enforced while reading, and
 * typed errors. Redirects are not followed: sources name their final URLs.
 */
export async function download(url: string, options: DownloadOptions): Promise<Buffer> {
  const shown = redactUrl(options.displayUrl ?? url);
  refuseCleartextCredentials(url, options, shown);
  const response = await get(url, options, shown);
  const status = response.statusCode ?? 0;
  if (status !== 200) {
    response.resume();
    throw statusError(status, shown);
  }
  const declared = Number(response.headers['content-length'] ?? Number.NaN);
  if (declared > options.maxSize) {
    response.destroy();
    throw tooLarge(shown, options.maxSize);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > options.maxSize) {
        response.destroy();
        throw tooLarge(shown, options.maxSize);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof ArtifactFetchError) throw error;
    throw new ArtifactFetchError('Unreachable', `${shown}: ${messageOf(error)}`, { cause: error });
  }
  return Buffer.concat(chunks);
}

function get(url: string, options: DownloadOptions, shown: string): Promise<IncomingMessage> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    return Promise.reject(
      new ArtifactFetchError('Invalid', `invalid URL ${JSON.stringify(shown)}`, { cause: error }),
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return Promise.reject(
      new ArtifactFetchError('Invalid', `${shown}: unsupported scheme ${parsed.protocol}`),
    );
  }
  const requester = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = requester(
      parsed,
      {
        method: 'GET',
        headers: { 'user-agent': 'tide', ...options.headers },
        timeout: options.timeoutMs,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.caPem === undefined ? {} : { ca: options.caPem }),
        ...(options.clientCertificate === undefined
          ? {}
          : { cert: options.clientCertificate.certPem, key: options.clientCertificate.keyPem }),
      },
      resolve,
    );
    const deadline = setTimeout(() => {
      req.destroy(
        new ArtifactFetchError('Unreachable', `${shown}: timed out after ${options.timeoutMs}ms`),
      );
    }, options.timeoutMs);
    req.on('close', () => {
      clearTimeout(deadline);
    });
    req.on('timeout', () => {
      req.destroy(
        new ArtifactFetchError('Unreachable', `${shown}: timed out after ${options.timeoutMs}ms`),
      );
    });
    req.on('error', (error) => {
      reject(
        error instanceof ArtifactFetchError
          ? error
          : new ArtifactFetchError('Unreachable', `${shown}: ${messageOf(error)}`, {
              cause: error,
            }),
      );
    });
    req.end();
  });
}

function refuseCleartextCredentials(url: string, options: DownloadOptions, shown: string): void {
  if (options.allowCleartextCredentials === true || !isCleartextToNetwork(url)) return;
  const header = Object.keys(options.headers ?? {}).some((name) => /^authorization$/i.test(name));
  if (!header && !hasUserInfo(url)) return;
  throw new ArtifactFetchError(
    'InsecureCredentials',
    `${shown}: refusing to send credentials over plain http, where anyone on the network can read them; use an https:// URL`,
  );
}

function statusError(status: number, shown: string): ArtifactFetchError {
  if (status === 404) return new ArtifactFetchError('NotFound', `${shown}: not found (HTTP 404)`);
  if (status === 401 || status === 403) {
    return new ArtifactFetchError(
      'Unauthorized',
      `${shown}: authentication failed (HTTP ${status})`,
    );
  }
  if (status >= 500) return new ArtifactFetchError('HTTPError', `${shown}: HTTP ${status}`);
  return new ArtifactFetchError('Invalid', `${shown}: HTTP ${status}`);
}

function tooLarge(shown: string, maxSize: number): ArtifactFetchError {
  return new ArtifactFetchError('TooLarge', `${shown}: larger than the limit of ${maxSize} bytes`);
}

function messageOf(error: unknown): string {
  return redactUrlsIn(error instanceof Error ? error.message : String(error));
}

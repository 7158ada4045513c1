import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
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
}

/**
 * The HTTP transport isomorphic-git uses: node:http(s) with a custom CA, a byte budget
 * enforced while streaming, and abort on the operation's deadline.
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
  const requester = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted === true) {
      reject(abortError(req.url, options.signal));
      return;
    }
    const outgoing = requester(
      url,
      {
        method: req.method ?? 'GET',
        headers: {
          ...req.headers,
          ...options.headers,
          ...(body === undefined ? {} : { 'content-length': String(body.length) }),
        },
        ...(options.caPem === undefined ? {} : { ca: options.caPem }),
        signal: options.signal,
      },
      resolve,
    );
    outgoing.on('error', (error) => {
      reject(
        options.signal?.aborted === true
          ? abortError(req.url, options.signal)
          : new GitError('Unreachable', `${redactUrl(req.url)}: ${error.message}`, {
              cause: error,
            }),
      );
    });
    outgoing.end(body);
  });
}

function abortError(url: string, signal: AbortSignal): GitError {
  const reason: unknown = signal.reason;
  if (reason instanceof GitError) return reason;
  return new GitError('Timeout', `${redactUrl(url)}: operation timed out`);
}

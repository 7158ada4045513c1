import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
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
  const chunks: Buffer[] = [];
  await downloadChunks(url, options, (chunk) => {
    chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}

/** What `downloadToFile` wrote. */
export interface DownloadedFile {
  readonly size: number;
  /** Hex SHA-256 of the bytes, computed while they were written. */
  readonly sha256: string;
}

/**
 * `download` into a file instead of memory: the body is hashed and written as it arrives
 * (with the file's backpressure), so memory stays at one chunk whatever the size. The file
 * is created (replacing one at `path`); on failure it is removed.
 */
export async function downloadToFile(
  url: string,
  path: string,
  options: DownloadOptions,
): Promise<DownloadedFile> {
  const file = createWriteStream(path, { flags: 'w', mode: 0o600 });
  const opened = once(file, 'open');
  const hash = createHash('sha256');
  let size = 0;
  try {
    await opened;
    await downloadChunks(url, options, async (chunk) => {
      hash.update(chunk);
      size += chunk.length;
      if (!file.write(chunk)) await once(file, 'drain');
    });
    await new Promise<void>((resolve, reject) => {
      file.end((error?: Error | null) => {
        if (error) reject(error);
        else resolve();
      });
    });
  } catch (error) {
    file.destroy();
    await rm(path, { force: true });
    if (error instanceof ArtifactFetchError) throw error;
    throw new ArtifactFetchError(
      'Unreachable',
      `${redactUrl(options.displayUrl ?? url)}: ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  }
  return { size, sha256: hash.digest('hex') };
}

/** The GET, its status and size checks, and the body chunk by chunk to `onChunk`. */
async function downloadChunks(
  url: string,
  options: DownloadOptions,
  onChunk: (chunk: Buffer) => void | Promise<void>,
): Promise<void> {
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
  let size = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > options.maxSize) {
        response.destroy();
        throw tooLarge(shown, options.maxSize);
      }
      await onChunk(chunk);
    }
  } catch (error) {
    response.destroy();
    if (error instanceof ArtifactFetchError) throw error;
    throw new ArtifactFetchError('Unreachable', `${shown}: ${messageOf(error)}`, { cause: error });
  }
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

import { createHash } from 'node:crypto';
import { request as httpRequest, type Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { RequestAborted, apiErrorFrom, transportError } from './errors.js';

export interface KubeRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly timeoutMs?: number;
}

export interface KubeResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Options of a verb that a caller may cut short. */
export interface Cancellable {
  /** Ends the verb's requests in flight and refuses new ones once aborted. */
  readonly signal?: AbortSignal | undefined;
}

/** How long one request may take when the caller gives no timeout. */
export const defaultRequestTimeoutMs = 30_000;

/**
 * Raw JSON requests to the API server. Bodies go out and come back as plain JSON, so custom
 * resources and fields newer than client-node's models survive. Authentication, TLS and
 * impersonation come from the KubeConfig (client-node's applyToHTTPSOptions).
 */
export class KubeClient {
  readonly #kubeConfig: KubeConfig;
  readonly #server: URL;
  readonly #timeoutMs: number;
  readonly #usesProxy: boolean;
  /** Keep-alive agents by TLS identity, so requests reuse connections instead of handshaking. */
  readonly #agents: Map<string, HttpsAgent>;
  readonly #signal: AbortSignal | undefined;

  /** `shared` is the agent pool of the client a `withSignal` view was made from. */
  constructor(
    kubeConfig: KubeConfig,
    options: { readonly timeoutMs?: number; readonly signal?: AbortSignal | undefined } = {},
    shared = new Map<string, HttpsAgent>(),
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig has no current cluster');
    this.#kubeConfig = kubeConfig;
    this.#server = new URL(cluster.server);
    this.#timeoutMs = options.timeoutMs ?? defaultRequestTimeoutMs;
    this.#usesProxy = cluster.proxyUrl !== undefined && cluster.proxyUrl !== '';
    this.#signal = options.signal;
    this.#agents = shared;
  }

  /**
   * This client with every request bound to `signal`: aborting it ends requests in flight
   * and fails new ones. Connections stay shared with this client.
   */
  withSignal(signal: AbortSignal | undefined): KubeClient {
    if (signal === undefined) return this;
    return new KubeClient(this.#kubeConfig, { timeoutMs: this.#timeoutMs, signal }, this.#agents);
  }

  /** Closes pooled connections; the client stays usable and opens new ones on demand. */
  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }

  /**
   * client-node builds a fresh agent without keep-alive on every call; for plain HTTPS we
   * keep one keep-alive agent per TLS identity (a rotated client certificate gets a new
   * one). Proxies and plain HTTP keep client-node's agent.
   */
  #agentFor(options: RequestOptions, protocol: string): HttpsAgent | HttpAgent | undefined {
    if (this.#usesProxy || protocol !== 'https:') return options.agent as HttpAgent | undefined;
    const identity = createHash('sha256');
    for (const part of [options.ca, options.cert, options.key, options.pfx, options.passphrase])
      identity.update(tlsMaterial(part)).update('\0');
    identity.update(`${String(options.rejectUnauthorized)}|${options.servername ?? ''}`);
    const key = identity.digest('hex');
    let agent = this.#agents.get(key);
    if (agent === undefined) {
      agent = new HttpsAgent({
        keepAlive: true,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        ...(options.cert === undefined ? {} : { cert: options.cert }),
        ...(options.key === undefined ? {} : { key: options.key }),
        ...(options.pfx === undefined ? {} : { pfx: options.pfx }),
        ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
        ...(options.rejectUnauthorized === undefined
          ? {}
          : { rejectUnauthorized: options.rejectUnauthorized }),
        ...(options.servername === undefined ? {} : { servername: options.servername }),
      });
      this.#agents.set(key, agent);
    }
    return agent;
  }

  /** Sends one request; any HTTP status comes back, only a missing answer throws. */
  async send(req: KubeRequest, action: string, subject: string): Promise<KubeResponse> {
    // Fresh options per request: exec and token authenticators refresh credentials here.
    const options: RequestOptions = { headers: {} };
    await this.#kubeConfig.applyToHTTPSOptions(options);
    const url = new URL(this.#server.pathname.replace(/\/$/, '') + req.path, this.#server);
    for (const [key, value] of Object.entries(req.query ?? {})) url.searchParams.set(key, value);
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    const timeoutMs = req.timeoutMs ?? this.#timeoutMs;
    const headers: Record<string, string | number> = {
      ...(options.headers as Record<string, string>),
      accept: 'application/json',
    };
    if (payload !== undefined) {
      headers['content-type'] = req.contentType ?? 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const signal = this.#signal;
    try {
      if (signal?.aborted === true) throw new RequestAborted(signal.reason);
      return await new Promise<KubeResponse>((resolve, reject) => {
        const outgoing = send(
          url,
          {
            method: req.method,
            headers,
            agent: this.#agentFor(options, url.protocol),
            ...(options.auth === undefined ? {} : { auth: options.auth }),
            timeout: timeoutMs,
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('error', reject);
            response.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              resolve({ status: response.statusCode ?? 0, body: parseBody(text) });
            });
          },
        );
        outgoing.on('timeout', () => {
          outgoing.destroy(
            new Error(`${req.method} ${url.pathname} timed out after ${timeoutMs}ms`),
          );
        });
        const onAbort = () => outgoing.destroy(new RequestAborted(signal?.reason));
        signal?.addEventListener('abort', onAbort, { once: true });
        outgoing.on('close', () => signal?.removeEventListener('abort', onAbort));
        outgoing.on('error', reject);
        outgoing.end(payload);
      });
    } catch (error) {
      throw transportError(error, action, subject);
    }
  }

  /** Sends one request and throws a KubeApiError for any status outside 2xx. */
  async call(req: KubeRequest, action: string, subject: string): Promise<unknown> {
    const response = await this.send(req, action, subject);
    if (response.status < 200 || response.status > 299)
      throw apiErrorFrom(response.status, response.body, action, subject);
    return response.body;
  }
}

/** A stable text form of a TLS option (string, Buffer, or a list of them) for hashing. */
function tlsMaterial(part: unknown): string {
  if (typeof part === 'string') return part;
  if (Buffer.isBuffer(part)) return part.toString('base64');
  if (Array.isArray(part)) return part.map(tlsMaterial).join(',');
  return '-';
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

import { createHash } from 'node:crypto';
import { request as httpRequest, type Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { RequestAborted, apiErrorFrom, transportError, type Purpose } from './errors.js';
import { impersonatingKubeConfig, type ServiceAccountRef } from './impersonation.js';
import { apiVersionOf, type KindRef, type KubeObject } from './object.js';

/**
 * The one Kubernetes client every Tide package uses: plain JSON over HTTP(S), so custom
 * resources and fields newer than client-node's generated models survive. client-node only
 * loads the kubeconfig and supplies TLS material and credentials.
 */

export const PatchType = {
  Merge: 'application/merge-patch+json',
  Json: 'application/json-patch+json',
  Apply: 'application/apply-patch+yaml',
} as const;
export type PatchType = (typeof PatchType)[keyof typeof PatchType];

export interface RequestSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly timeoutMs?: number;
}

/** An answer with any HTTP status; only a request that got no answer throws. */
export interface KubeResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface ListResult<T> {
  readonly items: T[];
  readonly resourceVersion: string;
}

/** Options of a verb that a caller may cut short. */
export interface Cancellable {
  /** Ends the verb's requests in flight and refuses new ones once aborted. */
  readonly signal?: AbortSignal | undefined;
}

/** How long one request may take when the caller gives no timeout. */
export const defaultRequestTimeoutMs = 30_000;

export interface KubeClientOptions {
  readonly kubeConfig: KubeConfig;
  /** Per-request timeout (headers and body); watches have their own. Default 30s. */
  readonly timeoutMs?: number | undefined;
  /** Every request of this client ends when it aborts. */
  readonly signal?: AbortSignal | undefined;
}

type Use = 'pooled' | 'stream';

/** Connection pools a client shares with the views made from it (signal, impersonation). */
class ConnectionPool {
  /** Keep-alive agents by TLS identity, so a rotated client certificate gets a new one. */
  readonly agents = new Map<string, HttpsAgent>();
  closed = false;

  agentFor(options: RequestOptions, use: Use): HttpsAgent {
    const identity = createHash('sha256');
    for (const part of [options.ca, options.cert, options.key, options.pfx, options.passphrase])
      identity.update(tlsMaterial(part)).update('\0');
    identity.update(`${String(options.rejectUnauthorized)}|${options.servername ?? ''}|${use}`);
    const key = identity.digest('hex');
    let agent = this.agents.get(key);
    if (agent === undefined) {
      agent = new HttpsAgent({
        // Watches get a connection of their own, never a pooled one: a reconnect after a
        // dead watch must not land on another socket of the same dead path.
        keepAlive: use === 'pooled',
        ...definedOnly({
          ca: options.ca,
          cert: options.cert,
          key: options.key,
          pfx: options.pfx,
          passphrase: options.passphrase,
          rejectUnauthorized: options.rejectUnauthorized,
          servername: options.servername,
        }),
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}

export class KubeClient {
  readonly server: string;
  readonly #kubeConfig: KubeConfig;
  readonly #base: URL;
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #usesProxy: boolean;
  /** Exec plugins and auth providers mint credentials that expire: ask for them every time. */
  readonly #refreshCredentials: boolean;
  readonly #pool: ConnectionPool;
  #credentials: Promise<RequestOptions> | undefined;

  constructor(options: KubeClientOptions, pool = new ConnectionPool()) {
    const cluster = options.kubeConfig.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig has no current cluster');
    this.#kubeConfig = options.kubeConfig;
    this.server = cluster.server.replace(/\/+$/, '');
    this.#base = new URL(this.server);
    this.#timeoutMs = options.timeoutMs ?? defaultRequestTimeoutMs;
    this.#signal = options.signal;
    this.#usesProxy = cluster.proxyUrl !== undefined && cluster.proxyUrl !== '';
    const user = options.kubeConfig.getCurrentUser();
    this.#refreshCredentials = user?.exec !== undefined || user?.authProvider !== undefined;
    this.#pool = pool;
  }

  get kubeConfig(): KubeConfig {
    return this.#kubeConfig;
  }

  /**
   * This client with every request bound to `signal`: aborting it ends requests in flight
   * and fails new ones. Connections stay shared.
   */
  withSignal(signal: AbortSignal | undefined): KubeClient {
    if (signal === undefined) return this;
    return new KubeClient(
      { kubeConfig: this.#kubeConfig, timeoutMs: this.#timeoutMs, signal },
      this.#pool,
    );
  }

  /**
   * This client acting as a ServiceAccount (`Impersonate-User`; the API server adds the
   * account's groups). Connections stay shared: impersonation is a header, not a TLS identity.
   */
  impersonating(serviceAccount: ServiceAccountRef): KubeClient {
    return new KubeClient(
      {
        kubeConfig: impersonatingKubeConfig(this.#kubeConfig, serviceAccount),
        timeoutMs: this.#timeoutMs,
        signal: this.#signal,
      },
      this.#pool,
    );
  }

  /** Closes pooled connections; views made from this client lose theirs too. */
  close(): void {
    this.#pool.closed = true;
    this.#pool.close();
  }

  /** URL path of a kind's collection, optionally in a namespace. */
  collectionPath(kind: KindRef, namespace?: string): string {
    const base = kind.group === '' ? `/api/${kind.version}` : `/apis/${kind.group}/${kind.version}`;
    const ns = kind.namespaced && namespace !== undefined ? `/namespaces/${namespace}` : '';
    return `${base}${ns}/${kind.plural}`;
  }

  objectPath(kind: KindRef, namespace: string | undefined, name: string): string {
    return `${this.collectionPath(kind, namespace)}/${encodeURIComponent(name)}`;
  }

  async get<T extends KubeObject>(
    kind: KindRef,
    namespace: string | undefined,
    name: string,
  ): Promise<T> {
    return (await this.request({
      method: 'GET',
      path: this.objectPath(kind, namespace, name),
    })) as T;
  }

  /** Lists every page (`limit`/`continue`) and returns the items and the list's resourceVersion. */
  async list<T extends KubeObject>(
    kind: KindRef,
    options: { namespace?: string; labelSelector?: string; pageSize?: number } = {},
  ): Promise<ListResult<T>> {
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion: string;
    do {
      const page = (await this.request({
        method: 'GET',
        path: this.collectionPath(kind, options.namespace),
        query: {
          limit: String(options.pageSize ?? 500),
          continue: continueToken,
          labelSelector: options.labelSelector === '' ? undefined : options.labelSelector,
        },
      })) as { items?: T[]; metadata?: { resourceVersion?: string; continue?: string } };
      for (const item of page.items ?? []) {
        // List items carry no apiVersion/kind; put them back so objects look like GETs.
        item.apiVersion = apiVersionOf(kind);
        item.kind = kind.kind;
        items.push(item);
      }
      resourceVersion = page.metadata?.resourceVersion ?? '';
      continueToken = page.metadata?.continue === '' ? undefined : page.metadata?.continue;
    } while (continueToken !== undefined);
    return { items, resourceVersion };
  }

  async create<T extends KubeObject>(kind: KindRef, obj: T, fieldManager?: string): Promise<T> {
    return (await this.request({
      method: 'POST',
      path: this.collectionPath(kind, obj.metadata.namespace),
      query: { fieldManager },
      body: obj,
    })) as T;
  }

  async replace<T extends KubeObject>(kind: KindRef, obj: T, fieldManager?: string): Promise<T> {
    return (await this.request({
      method: 'PUT',
      path: this.objectPath(kind, obj.metadata.namespace, obj.metadata.name ?? ''),
      query: { fieldManager },
      body: obj,
    })) as T;
  }

  async patch<T extends KubeObject>(
    kind: KindRef,
    target: { namespace?: string | undefined; name: string },
    patch: unknown,
    options: {
      type: PatchType;
      fieldManager?: string;
      force?: boolean;
      subresource?: 'status';
    },
  ): Promise<T> {
    const path = this.objectPath(kind, target.namespace, target.name);
    return (await this.request({
      method: 'PATCH',
      path: options.subresource === undefined ? path : `${path}/${options.subresource}`,
      query: {
        fieldManager: options.fieldManager,
        force: options.force === true ? 'true' : undefined,
      },
      body: patch,
      contentType: options.type,
    })) as T;
  }

  async delete(kind: KindRef, namespace: string | undefined, name: string): Promise<void> {
    await this.request({ method: 'DELETE', path: this.objectPath(kind, namespace, name) });
  }

  /**
   * One request; answers with the parsed JSON body, or throws an ApiError for any status
   * outside 2xx. With a purpose, messages name what was being done to which object.
   */
  async request(spec: RequestSpec, purpose?: Purpose): Promise<unknown> {
    const response = await this.send(spec, purpose);
    if (response.status < 200 || response.status > 299)
      throw apiErrorFrom(response.status, response.body, purpose ?? spec);
    return response.body;
  }

  /** Sends one request; any HTTP status comes back, only a missing answer throws (status 0). */
  async send(spec: RequestSpec, purpose?: Purpose): Promise<KubeResponse> {
    const response = await this.#open(spec, 'pooled', purpose);
    const text = await readBody(response).catch((error: unknown) => {
      throw transportError(error, `${spec.method} ${spec.path}`, purpose);
    });
    return { status: response.statusCode ?? 0, body: parseBody(text) };
  }

  /**
   * Opens a streaming GET (a watch) on a connection of its own. The timeout covers getting
   * the response headers; after that the caller owns `abort` (the informer keeps a watchdog).
   */
  async stream(spec: RequestSpec): Promise<{ response: IncomingMessage; abort: () => void }> {
    const response = await this.#open(spec, 'stream');
    const status = response.statusCode ?? 0;
    if (status >= 400) {
      const text = await readBody(response);
      throw apiErrorFrom(status, parseBody(text), spec);
    }
    response.socket.setTimeout(0);
    return { response, abort: () => response.destroy() };
  }

  async #open(spec: RequestSpec, use: Use, purpose?: Purpose): Promise<IncomingMessage> {
    const url = new URL(this.#base.pathname.replace(/\/$/, '') + spec.path, this.#base);
    for (const [key, value] of Object.entries(spec.query ?? {}))
      if (value !== undefined) url.searchParams.set(key, value);
    const what = `${spec.method} ${url.pathname}`;
    try {
      if (this.#pool.closed) throw new Error(`${what}: the client is closed`);
      if (this.#signal?.aborted === true) throw new RequestAborted(this.#signal.reason);
      const options = await this.#requestOptions();
      return await this.#dispatch(spec, url, options, use);
    } catch (error) {
      throw transportError(error, what, purpose);
    }
  }

  #dispatch(
    spec: RequestSpec,
    url: URL,
    options: RequestOptions,
    use: Use,
  ): Promise<IncomingMessage> {
    const what = `${spec.method} ${url.pathname}`;
    const timeoutMs = spec.timeoutMs ?? this.#timeoutMs;
    const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const headers: Record<string, string | number> = {
      ...(options.headers as Record<string, string>),
      accept: 'application/json',
    };
    if (payload !== undefined) {
      headers['content-type'] = spec.contentType ?? 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const signal = this.#signal;
    return new Promise((resolve, reject) => {
      const outgoing = send(
        url,
        {
          method: spec.method,
          headers,
          agent: this.#agentFor(options, url.protocol, use),
          ...(options.auth === undefined ? {} : { auth: options.auth }),
        },
        resolve,
      );
      // One deadline for the headers and, for ordinary calls, the body.
      const timer = setTimeout(() => {
        outgoing.destroy(new Error(`${what} timed out after ${timeoutMs}ms`));
      }, timeoutMs);
      const onAbort = () => outgoing.destroy(new RequestAborted(signal?.reason));
      signal?.addEventListener('abort', onAbort, { once: true });
      outgoing.on('response', (response: IncomingMessage) => {
        if (use === 'stream') clearTimeout(timer);
        response.on('close', () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        });
      });
      outgoing.on('error', (error) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(
          error instanceof RequestAborted || error.message.startsWith(what)
            ? error
            : new Error(`${what}: ${error.message}`, { cause: error }),
        );
      });
      outgoing.end(payload);
    });
  }

  /** TLS material and credentials from the kubeconfig, fetched again only when they expire. */
  #requestOptions(): Promise<RequestOptions> {
    if (this.#credentials !== undefined && !this.#refreshCredentials) return this.#credentials;
    const pending = (async () => {
      const options: RequestOptions = { headers: {} };
      await this.#kubeConfig.applyToHTTPSOptions(options);
      return options;
    })();
    this.#credentials = pending;
    pending.catch(() => {
      if (this.#credentials === pending) this.#credentials = undefined;
    });
    return pending;
  }

  /** Proxies and plain HTTP keep client-node's agent; HTTPS uses the shared pool. */
  #agentFor(
    options: RequestOptions,
    protocol: string,
    use: Use,
  ): HttpsAgent | HttpAgent | undefined {
    if (this.#usesProxy || protocol !== 'https:') return options.agent as HttpAgent | undefined;
    return this.#pool.agentFor(options, use);
  }
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('error', reject);
    response.on('aborted', () => {
      reject(new Error('the connection closed before the answer was complete'));
    });
    response.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A stable text form of a TLS option (string, Buffer, or a list of them) for hashing. */
function tlsMaterial(part: unknown): string {
  if (typeof part === 'string') return part;
  if (Buffer.isBuffer(part)) return part.toString('base64');
  if (Array.isArray(part)) return part.map(tlsMaterial).join(',');
  return '-';
}

/** The entries of `options` whose value is set (for option types without `| undefined`). */
function definedOnly<T extends Record<string, unknown>>(
  options: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

import { Agent, request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { apiVersionOf, type KindRef, type KubeObject } from './object.js';

/**
 * A thin JSON layer over the API server. client-node's typed API classes drop fields their
 * generated models do not know, which loses custom resources' spec and status; this layer
 * sends and receives plain JSON and uses client-node only for the kubeconfig and auth.
 */

/** A failed API call, with the HTTP status and the Status object's reason. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
  get notFound(): boolean {
    return this.status === 404;
  }
  get conflict(): boolean {
    return this.status === 409;
  }
  get gone(): boolean {
    return this.status === 410;
  }
}

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

export interface ListResult<T> {
  readonly items: T[];
  readonly resourceVersion: string;
}

export interface KubeClientOptions {
  readonly kubeConfig: KubeConfig;
  /** Per-request timeout; watches have their own. Default 30s. */
  readonly timeoutMs?: number;
}

interface KubeStatus {
  kind?: string;
  reason?: string;
  message?: string;
  code?: number;
}

export class KubeClient {
  readonly server: string;
  private readonly kubeConfig: KubeConfig;
  private readonly timeoutMs: number;
  private agents: Promise<{ pooled: Agent; stream: Agent }> | undefined;
  private closed = false;
  private readonly refreshHeaders: boolean;
  private staticHeaders: Record<string, string> | undefined;

  constructor(options: KubeClientOptions) {
    this.kubeConfig = options.kubeConfig;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const cluster = options.kubeConfig.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
    const user = options.kubeConfig.getCurrentUser();
    // Exec plugins and auth providers mint tokens that expire: ask for headers every time.
    this.refreshHeaders = user?.exec !== undefined || user?.authProvider !== undefined;
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

  async get<T extends KubeObject>(kind: KindRef, namespace: string | undefined, name: string) {
    return (await this.requestJson({
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
      const page = (await this.requestJson({
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
    return (await this.requestJson({
      method: 'POST',
      path: this.collectionPath(kind, obj.metadata.namespace),
      query: { fieldManager },
      body: obj,
    })) as T;
  }

  async replace<T extends KubeObject>(kind: KindRef, obj: T, fieldManager?: string): Promise<T> {
    return (await this.requestJson({
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
    return (await this.requestJson({
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
    await this.requestJson({ method: 'DELETE', path: this.objectPath(kind, namespace, name) });
  }

  /** One request; answers with the parsed JSON body or throws ApiError. */
  async requestJson(spec: RequestSpec): Promise<unknown> {
    const response = await this.send(spec, spec.timeoutMs ?? this.timeoutMs);
    const text = await readBody(response);
    const status = response.statusCode ?? 0;
    const body = parseJson(text);
    if (status >= 400) throw apiErrorOf(spec, status, body, text);
    return body;
  }

  /**
   * Opens a streaming GET (a watch) on a connection of its own, never a pooled one: a
   * reconnect after a dead watch must not land on another socket of the same dead path.
   * The usual timeout covers getting the response headers; after that the caller owns
   * `abort` (the informer keeps a watchdog).
   */
  async stream(spec: RequestSpec): Promise<{ response: IncomingMessage; abort: () => void }> {
    const response = await this.send(spec, spec.timeoutMs ?? this.timeoutMs, 'stream');
    const status = response.statusCode ?? 0;
    if (status >= 400) {
      const text = await readBody(response);
      throw apiErrorOf(spec, status, parseJson(text), text);
    }
    response.socket.setTimeout(0);
    return { response, abort: () => response.destroy() };
  }

  /** Closes idle keep-alive connections so a stopped manager leaves no sockets behind. */
  close(): void {
    this.closed = true;
    void this.agents?.then(({ pooled, stream }) => {
      pooled.destroy();
      stream.destroy();
    });
  }

  /**
   * Agents with the kubeconfig's TLS material: a keep-alive pool for ordinary calls and a
   * non-pooling one for watches. client-node's applyToHTTPSOptions makes an agent per call.
   */
  private connectionAgents(): Promise<{ pooled: Agent; stream: Agent }> {
    this.agents ??= (async () => {
      const tls: RequestOptions = {};
      await this.kubeConfig.applyToHTTPSOptions(tls);
      const options = {
        ...(tls.ca === undefined ? {} : { ca: tls.ca }),
        ...(tls.cert === undefined ? {} : { cert: tls.cert }),
        ...(tls.key === undefined ? {} : { key: tls.key }),
        ...(tls.rejectUnauthorized === undefined
          ? {}
          : { rejectUnauthorized: tls.rejectUnauthorized }),
        ...(tls.servername === undefined ? {} : { servername: tls.servername }),
      };
      return {
        pooled: new Agent({ ...options, keepAlive: true }),
        stream: new Agent({ ...options, keepAlive: false }),
      };
    })();
    return this.agents;
  }

  private async headers(): Promise<Record<string, string>> {
    if (this.staticHeaders !== undefined && !this.refreshHeaders) return this.staticHeaders;
    const opts: RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(opts);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(opts.headers ?? {})) {
      if (typeof value === 'string' || typeof value === 'number') headers[key] = String(value);
    }
    if (typeof opts.auth === 'string' && opts.auth !== '') {
      headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    }
    this.staticHeaders = headers;
    return headers;
  }

  private async send(
    spec: RequestSpec,
    timeoutMs: number,
    use: 'pooled' | 'stream' = 'pooled',
  ): Promise<IncomingMessage> {
    const url = new URL(`${this.server}${spec.path}`);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    if (this.closed) throw new Error(`${spec.method} ${url.pathname}: the client is closed`);
    const agent = (await this.connectionAgents())[use];
    const headers: Record<string, string | number> = {
      ...(await this.headers()),
      accept: 'application/json',
    };
    if (payload !== undefined) {
      headers['content-type'] = spec.contentType ?? 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    return new Promise((resolve, reject) => {
      const outgoing = request(url, { method: spec.method, agent, headers }, resolve);
      const timer = setTimeout(() => {
        outgoing.destroy(
          new Error(`${spec.method} ${url.pathname}: no answer within ${timeoutMs}ms`),
        );
      }, timeoutMs);
      outgoing.on('response', (response: IncomingMessage) => {
        // The body may still be slow; keep the timer until it has been read.
        response.on('end', () => {
          clearTimeout(timer);
        });
        response.on('close', () => {
          clearTimeout(timer);
        });
        if (use === 'stream') clearTimeout(timer);
      });
      outgoing.on('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`${spec.method} ${url.pathname}: ${error.message}`, { cause: error }));
      });
      outgoing.end(payload);
    });
  }
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('error', reject);
    response.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function apiErrorOf(spec: RequestSpec, status: number, body: unknown, text: string): ApiError {
  const kubeStatus = typeof body === 'object' && body !== null ? (body as KubeStatus) : {};
  const reason = kubeStatus.reason ?? `HTTP${status}`;
  const message = kubeStatus.message ?? text.slice(0, 500);
  return new ApiError(
    status,
    reason,
    `${spec.method} ${spec.path}: ${status} ${reason}: ${message}`,
  );
}

export function isApiError(error: unknown, status?: number): error is ApiError {
  return error instanceof ApiError && (status === undefined || error.status === status);
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { messageOf } from '@tide/kube';

/**
 * Small HTTP endpoints: /metrics on --metrics-addr, /healthz and /readyz on --health-addr.
 * They listen on every interface and answer anyone, so no request may end the process: a
 * request-target that names no path is a 400, a failing handler a 500, and a response that
 * cannot be written only loses its own connection.
 */

export type Handler = (
  request: IncomingMessage,
) => Promise<{ status: number; contentType: string; body: string }>;

export interface Endpoint {
  /** `http://host:port`, with the port actually bound (for `:0`). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A client that sends its request head a byte at a time (slowloris) holds a connection for as
 * long as the server lets it: the head must arrive within 10s and the whole request within
 * 30s, checked every second (Node's defaults are 60s, 300s and 30s).
 */
const slowClientLimits = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  connectionsCheckingInterval: 1_000,
} as const;

/** Splits `host:port` (`:8080` binds every interface). */
export function parseAddress(addr: string): { host: string | undefined; port: number } {
  const colon = addr.lastIndexOf(':');
  const host = colon <= 0 ? undefined : addr.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(colon < 0 ? addr : addr.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid address "${addr}": want host:port or :port`);
  }
  return { host, port };
}

export async function serve(
  addr: string,
  routes: Readonly<Record<string, Handler>>,
): Promise<Endpoint> {
  const { host, port } = parseAddress(addr);
  const server: Server = createServer(slowClientLimits, (request, response) => {
    answer(routes, request, response).catch((error: unknown) => {
      failAnswer(response, error);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${shownHost}:${bound.port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

type Answer = Awaited<ReturnType<Handler>>;

const text = 'text/plain; charset=utf-8';

async function answer(
  routes: Readonly<Record<string, Handler>>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  let result: Answer;
  try {
    result = await route(routes, request);
  } catch (error) {
    result = { status: 500, contentType: text, body: `${messageOf(error)}\n` };
  }
  response.writeHead(result.status, { 'content-type': result.contentType });
  response.end(result.body);
}

/** The handler's answer, or 400/404 for a request no handler takes. */
function route(
  routes: Readonly<Record<string, Handler>>,
  request: IncomingMessage,
): Promise<Answer> {
  const path = pathOf(request.url ?? '/');
  if (path === undefined) {
    return Promise.resolve({
      status: 400,
      contentType: text,
      body: 'the request-target is not a path\n',
    });
  }
  const handler = Object.hasOwn(routes, path) ? routes[path] : undefined;
  if (handler === undefined)
    return Promise.resolve({ status: 404, contentType: text, body: `no handler for ${path}\n` });
  return handler(request);
}

/**
 * The normalized path of a request-target: origin-form (`/healthz?x`, also `//`) or
 * absolute-form (`http://host/healthz`); undefined for anything else (`*`, authority-form).
 * An origin-form target is put behind a fixed origin, so `//host` stays a path and never
 * becomes an authority.
 */
function pathOf(target: string): string | undefined {
  try {
    if (target.startsWith('/')) return new URL(`http://localhost${target}`).pathname;
    const url = new URL(target);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.pathname : undefined;
  } catch {
    return undefined;
  }
}

/** Writing the answer failed: a 500 if nothing was sent yet, else that connection ends. */
function failAnswer(response: ServerResponse, error: unknown): void {
  try {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    response.writeHead(500, { 'content-type': text });
    response.end(`${messageOf(error)}\n`);
  } catch {
    response.destroy();
  }
}

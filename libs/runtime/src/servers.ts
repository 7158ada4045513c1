import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Small HTTP endpoints: /metrics on --metrics-addr, /healthz and /readyz on --health-addr. */

export type Handler = (
  request: IncomingMessage,
) => Promise<{ status: number; contentType: string; body: string }>;

export interface Endpoint {
  /** `http://host:port`, with the port actually bound (for `:0`). */
  readonly url: string;
  close(): Promise<void>;
}

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
  const server: Server = createServer((request, response) => {
    void answer(routes, request, response);
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

async function answer(
  routes: Readonly<Record<string, Handler>>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const handler = routes[path];
  try {
    const result =
      handler === undefined
        ? { status: 404, contentType: 'text/plain', body: `no handler for ${path}\n` }
        : await handler(request);
    response.writeHead(result.status, { 'content-type': result.contentType });
    response.end(result.body);
  } catch (error) {
    response.writeHead(500, { 'content-type': 'text/plain' });
    response.end(`${error instanceof Error ? error.message : String(error)}\n`);
  }
}

import { connect, type Socket } from 'node:net';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { freePort } from './net.js';

export interface HttpProxyOptions {
  /** Require `Proxy-Authorization: Basic` with these credentials; others get 407. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
}

export interface HttpProxy {
  /** `http://127.0.0.1:<port>`, the `address` a proxy Secret names. */
  readonly url: string;
  readonly port: number;
  /** CONNECT tunnels opened (after auth), by target `host:port`. */
  tunnels(): ReadonlyMap<string, number>;
  /** Plain requests forwarded (absolute-form, for http:// targets), by target host. */
  forwarded(): ReadonlyMap<string, number>;
  /** Requests refused with 407 (missing or wrong credentials). */
  refused(): number;
  stop(): Promise<void>;
}

/**
 * A real forward proxy on 127.0.0.1: HTTP CONNECT tunnels for https targets and plain
 * forwarding of absolute-form requests for http targets, as curl, Git and Go's net/http
 * use a proxy. It counts what it relayed so a test proves traffic went through it.
 */
export async function startHttpProxy(options: HttpProxyOptions = {}): Promise<HttpProxy> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const tunnels = new Map<string, number>();
  const forwarded = new Map<string, number>();
  const sockets = new Set<Duplex>();
  let refused = 0;
  const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const authorized = (req: IncomingMessage): boolean => {
    if (options.basicAuth === undefined) return true;
    const { username, password } = options.basicAuth;
    const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    if (req.headers['proxy-authorization'] === expected) return true;
    refused += 1;
    return false;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!authorized(req)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="tide-test-proxy"' });
      res.end();
      return;
    }
    forwardPlain(req, res, (host) => count(forwarded, host));
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    if (!authorized(req)) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="tide-test-proxy"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      );
      return;
    }
    const target = req.url ?? '';
    const [host, portText] = splitHostPort(target);
    const upstream = connect(Number(portText), host, () => {
      count(tunnels, target);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolve();
    });
  });
  return {
    url,
    port,
    tunnels: () => tunnels,
    forwarded: () => forwarded,
    refused: () => refused,
    async stop() {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

function splitHostPort(target: string): [string, string] {
  const colon = target.lastIndexOf(':');
  return colon === -1 ? [target, '443'] : [target.slice(0, colon), target.slice(colon + 1)];
}

/** Relays one absolute-form request (`GET http://host/path`) to its target. */
function forwardPlain(
  req: IncomingMessage,
  res: ServerResponse,
  counted: (host: string) => void,
): void {
  let target: URL;
  try {
    target = new URL(req.url ?? '');
  } catch {
    res.writeHead(400).end();
    return;
  }
  if (target.protocol !== 'http:') {
    res.writeHead(400).end();
    return;
  }
  counted(target.host);
  const headers = { ...req.headers };
  delete headers['proxy-authorization'];
  delete headers['proxy-connection'];
  const upstream = httpRequest(
    target,
    { method: req.method ?? 'GET', headers },
    (answer: IncomingMessage) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
}

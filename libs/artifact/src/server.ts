import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, normalize, sep } from 'node:path';

export interface ArtifactServerOptions {
  /** The storage root to serve. */
  readonly basePath: string;
  /** `host:port` to listen on (`--storage-addr`); port 0 picks a free one. */
  readonly address: string;
}

export interface ArtifactServer {
  /** The `host:port` actually bound. */
  readonly address: string;
  close(): Promise<void>;
}

/** Serves artifact files over HTTP at `/<kind>/<namespace>/<name>/<file>` (GET and HEAD). */
export async function startArtifactServer(options: ArtifactServerOptions): Promise<ArtifactServer> {
  const { host, port } = parseAddress(options.address);
  const server = createServer((req, res) => {
    serve(options.basePath, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host === '' ? undefined : host, () => {
      resolve();
    });
  });
  const bound = server.address();
  const actualPort = typeof bound === 'object' && bound !== null ? bound.port : port;
  return {
    address: `${host === '' ? '0.0.0.0' : host}:${actualPort}`,
    close: () => closeServer(server),
  };
}

async function serve(basePath: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const file = resolveFile(basePath, req.url ?? '/');
  const info = file === undefined ? undefined : await stat(file).catch(() => undefined);
  if (file === undefined || info?.isFile() !== true) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('artifact not found\n');
    return;
  }
  res.writeHead(200, {
    'content-type': file.endsWith('.yaml') ? 'application/x-yaml' : 'application/gzip',
    'content-length': info.size,
    'last-modified': info.mtime.toUTCString(),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}

/** The file a request path names, or undefined when it leaves the root or names a dot file. */
function resolveFile(basePath: string, url: string): string | undefined {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url, 'http://artifacts.invalid').pathname);
  } catch {
    return undefined;
  }
  const parts = pathname.split('/').filter((p) => p !== '');
  if (parts.length !== 4 || parts.some((p) => p.startsWith('.') || p.includes('\\')))
    return undefined;
  const root = normalize(basePath);
  const file = normalize(join(root, ...parts));
  return file.startsWith(root + sep) ? file : undefined;
}

function parseAddress(address: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(address);
  if (match?.[2] === undefined)
    throw new Error(`invalid listen address ${JSON.stringify(address)}: want host:port or :port`);
  return { host: match[1] ?? '', port: Number.parseInt(match[2], 10) };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
    server.closeAllConnections();
  });
}

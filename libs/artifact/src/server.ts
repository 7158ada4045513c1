import { open, stat, type FileHandle } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

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

/**
 * Serves artifact files over HTTP at `/<kind>/<namespace>/<name>/<file>` (GET and HEAD).
 * Garbage collection may remove a file at any moment: the file is opened before anything is
 * answered and served from that descriptor, so a file gone by then is a 404 and one removed
 * later is still sent whole. The descriptor is closed however the response ends, a client
 * going away mid-download included.
 */
export async function startArtifactServer(options: ArtifactServerOptions): Promise<ArtifactServer> {
  const { host, port } = parseAddress(options.address);
  const server = createServer(slowClientLimits, (req, res) => {
    serve(options.basePath, req, res).catch(() => {
      failResponse(res);
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

/**
 * A client that sends its request head a byte at a time (slowloris) holds a connection for as
 * long as the server lets it: the head must arrive within 10s and the whole request within
 * 30s, checked every second (Node's defaults are 60s, 300s and 30s). A slow download is not
 * limited: requestTimeout covers receiving the request only.
 */
const slowClientLimits = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  connectionsCheckingInterval: 1_000,
} as const;

async function serve(basePath: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const file = resolveFile(basePath, req.url ?? '/');
  // stat first: only regular files are opened (opening a FIFO would block).
  const found = file === undefined ? undefined : await stat(file).catch(() => undefined);
  const handle = file === undefined || found?.isFile() !== true ? undefined : await openFile(file);
  if (file === undefined || handle === undefined) {
    notFound(res);
    return;
  }
  let streaming = false;
  try {
    // What is sent is what was opened, even if the name now points elsewhere.
    const info = await handle.stat();
    if (!info.isFile()) {
      notFound(res);
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
    streaming = true;
    // pipeline destroys the read stream (closing the descriptor) on end, error or abort.
    await pipeline(handle.createReadStream(), res);
  } finally {
    if (!streaming) await handle.close();
  }
}

/** The opened file; undefined when it is gone (removed since the stat). */
async function openFile(file: string): Promise<FileHandle | undefined> {
  try {
    return await open(file, 'r');
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** By its code, not instanceof: fs errors may come from another realm (a vm context). */
function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT';
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain' }).end('artifact not found\n');
}

/** The request failed: a 500 if nothing was sent yet, else that connection ends. */
function failResponse(res: ServerResponse): void {
  try {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(500, { 'content-type': 'text/plain' }).end('artifact could not be read\n');
  } catch {
    res.destroy();
  }
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

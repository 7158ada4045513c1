import { createHash, createSign, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, request as forward, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import bcrypt from 'bcryptjs';
import { freePort, waitFor } from './net.js';
import { createCertificateAuthority, createServing, readPem, type HttpsServing } from './pki.js';
import { startProcess } from './process.js';
import { makeTempDir } from './temp.js';

export interface RegistryOptions {
  /** Require HTTP basic auth (htpasswd) with these credentials. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /**
   * Page `GET /v2/<name>/tags/list` by at most this many tags, with `n`/`last` and a `Link`
   * header as distribution v3 does (Debian's 2.8 answers every tag at once). A small front
   * on its own port relays every request to the real registry and pages only that answer;
   * `url` and `host` then name the front.
   */
  readonly tagPageSize?: number;
  /**
   * Require bearer tokens (distribution's `auth: token`) from a small token server of the
   * harness, which grants the scope asked for to a GET with these basic credentials.
   */
  /**
   * Serve https with this certificate (and, with `clientCaPem`, require client certificates)
   * from a TLS front that relays to the registry, as an ingress would; `url` is then https.
   */
  readonly tls?: HttpsServing;
  readonly tokenAuth?: { readonly username: string; readonly password: string };
}

export interface PushedImage {
  readonly tag: string;
  /** `sha256:<hex>` of the manifest, as the registry reports it. */
  readonly digest: string;
}

export interface Registry {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `127.0.0.1:<port>`, the host part of an image reference. */
  readonly host: string;
  /** Pushes one small OCI image per tag (each tag its own digest) under `repository`. */
  pushImage(repository: string, tags: readonly string[]): Promise<PushedImage[]>;
  /** Tokens the token server issued (0 without `tokenAuth`). */
  tokenRequests(): number;
  stop(): Promise<void>;
}

const binary = '/usr/bin/docker-registry';
const ociManifest = 'application/vnd.oci.image.manifest.v1+json';

/** The CNCF distribution registry (Debian's docker-registry) with filesystem storage. */
export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const temp = await makeTempDir('registry');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const url = `http://${host}`;
  const configFile = join(temp.path, 'config.yml');
  const auth = options.basicAuth;
  let authSection = '';
  if (auth !== undefined) {
    const htpasswd = join(temp.path, 'htpasswd');
    await writeFile(htpasswd, `${auth.username}:${bcrypt.hashSync(auth.password, 4)}\n`);
    authSection = `auth:\n  htpasswd:\n    realm: tide-test\n    path: ${htpasswd}\n`;
  }
  const tokens =
    options.tokenAuth === undefined
      ? undefined
      : await startTokenServer(temp.path, options.tokenAuth);
  if (tokens !== undefined) {
    authSection =
      `auth:\n  token:\n    realm: ${tokens.realm}\n    service: ${tokenService}\n` +
      `    issuer: ${tokenIssuer}\n    rootcertbundle: ${tokens.certFile}\n`;
  }
  await writeFile(
    configFile,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(temp.path, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host}`,
      '',
    ].join('\n') + authSection,
  );
  const registry = startProcess({
    name: 'docker-registry',
    command: binary,
    args: ['serve', configFile],
    logFile: join(temp.path, 'registry.log'),
  });
  const headers: Record<string, string> =
    tokens !== undefined
      ? { authorization: `Bearer ${tokens.adminToken('')}` }
      : auth === undefined
        ? {}
        : {
            authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
          };
  try {
    await waitFor(
      async () => {
        if (!registry.running()) throw new Error('docker-registry exited during start-up');
        const response = await fetch(`${url}/v2/`, { headers, signal: AbortSignal.timeout(2000) });
        return response.status === 200 ? true : undefined;
      },
      { timeoutMs: 30_000, what: 'the registry to answer /v2/' },
    );
  } catch (error) {
    await registry.stop();
    await tokens?.stop();
    const log = registry.logTail();
    await temp.remove();
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n--- registry log ---\n${log}`, { cause: error });
  }

  const api = async (
    method: string,
    path: string,
    body?: Buffer,
    contentType?: string,
  ): Promise<Response> => {
    const response = await fetch(path.startsWith('http') ? path : `${url}${path}`, {
      method,
      headers: {
        ...headers,
        ...(tokens === undefined
          ? {}
          : { authorization: `Bearer ${tokens.adminToken(repositoryOf(path))}` }),
        ...(contentType === undefined ? {} : { 'content-type': contentType }),
      },
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status >= 300) {
      throw new Error(
        `registry ${method} ${path}: HTTP ${response.status}: ${await response.text()}`,
      );
    }
    return response;
  };

  const uploadBlob = async (repository: string, content: Buffer): Promise<string> => {
    const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    const start = await api('POST', `/v2/${repository}/blobs/uploads/`);
    const location = start.headers.get('location');
    if (location === null) throw new Error('registry gave no upload location');
    const target = new URL(location, url);
    target.searchParams.set('digest', digest);
    await api('PUT', target.toString(), content, 'application/octet-stream');
    return digest;
  };

  const front =
    options.tagPageSize === undefined && options.tls === undefined
      ? undefined
      : await startFront(port, options.tagPageSize, options.tls);

  return {
    url:
      front === undefined
        ? url
        : `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${front.port}`,
    host: front === undefined ? host : `127.0.0.1:${front.port}`,
    async pushImage(repository, tags) {
      const layerTar = Buffer.alloc(1024); // an empty tar archive
      const layer = gzipSync(layerTar, { level: 9 });
      const layerDigest = await uploadBlob(repository, layer);
      const diffId = `sha256:${createHash('sha256').update(layerTar).digest('hex')}`;
      const pushed: PushedImage[] = [];
      for (const tag of tags) {
        const config = Buffer.from(
          JSON.stringify({
            architecture: 'amd64',
            os: 'linux',
            config: { Labels: { 'org.opencontainers.image.version': tag } },
            rootfs: { type: 'layers', diff_ids: [diffId] },
          }),
        );
        const configDigest = await uploadBlob(repository, config);
        const manifest = Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: ociManifest,
            config: {
              mediaType: 'application/vnd.oci.image.config.v1+json',
              digest: configDigest,
              size: config.length,
            },
            layers: [
              {
                mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
                digest: layerDigest,
                size: layer.length,
              },
            ],
          }),
        );
        const response = await api(
          'PUT',
          `/v2/${repository}/manifests/${tag}`,
          manifest,
          ociManifest,
        );
        const digest = response.headers.get('docker-content-digest');
        if (digest === null) throw new Error(`registry gave no digest for ${repository}:${tag}`);
        pushed.push({ tag, digest });
      }
      return pushed;
    },
    tokenRequests: () => tokens?.issued() ?? 0,
    async stop() {
      await tokens?.stop();
      if (front !== undefined) {
        front.server.closeAllConnections();
        await new Promise((resolve) => front.server.close(resolve));
      }
      await registry.stop();
      await temp.remove();
    },
  };
}

/** Relays to the registry on `registryPort` (over TLS if `tls`), paging tag lists by `pageSize`. */
async function startFront(
  registryPort: number,
  pageSize: number | undefined,
  tls: HttpsServing | undefined,
): Promise<{ server: Server; port: number }> {
  const port = await freePort();
  const server = createServing((req, res) => {
    const target = new URL(req.url ?? '/', `http://127.0.0.1:${registryPort}`);
    const tagList =
      pageSize === undefined ? null : /^\/v2\/(.+)\/tags\/list$/.exec(target.pathname);
    const size = pageSize ?? 0;
    const n = Math.min(Number(target.searchParams.get('n') ?? size) || size, size);
    const last = target.searchParams.get('last');
    if (tagList !== null) target.search = '';
    const upstream = forward(
      target,
      {
        method: req.method ?? 'GET',
        headers: { ...req.headers, host: `127.0.0.1:${registryPort}` },
      },
      (answer: IncomingMessage) => {
        if (tagList === null || answer.statusCode !== 200) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const list = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            name: string;
            tags: string[] | null;
          };
          const all = [...(list.tags ?? [])].sort();
          const rest = last === null ? all : all.filter((tag) => tag > last);
          const page = rest.slice(0, n);
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          const final = page[page.length - 1];
          if (rest.length > page.length && final !== undefined) {
            const next = new URLSearchParams({ last: final, n: String(n) });
            headers.link = `</v2/${tagList[1] ?? ''}/tags/list?${next.toString()}>; rel="next"`;
          }
          res.writeHead(200, headers);
          res.end(JSON.stringify({ name: list.name, tags: page }));
        });
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }, tls);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port };
}

/** The repository an API path (or upload URL) is about: `acme/app` of `/v2/acme/app/blobs/…`. */
function repositoryOf(path: string): string {
  const match = /\/v2\/(.+?)\/(blobs|manifests|tags)\//.exec(path);
  return match?.[1] ?? '';
}

const tokenService = 'tide-test-registry';
const tokenIssuer = 'tide-test-token-issuer';

interface TokenServer {
  readonly realm: string;
  readonly certFile: string;
  /** A long-lived token with every action on every repository, for the harness's own pushes. */
  adminToken(repository: string): string;
  issued(): number;
  stop(): Promise<void>;
}

/**
 * A Docker token server: `GET /token?service=…&scope=repository:<name>:<actions>` with basic
 * credentials answers `{token, expires_in}`, an ES256 JWT whose `x5c` is a self-signed
 * certificate the registry trusts through `rootcertbundle`.
 */
async function startTokenServer(
  dir: string,
  credentials: { readonly username: string; readonly password: string },
): Promise<TokenServer> {
  const signer = await createCertificateAuthority(dir, 'token-signer');
  const keyPem = await readPem(signer.keyFile);
  const certDer = (await readPem(signer.certFile))
    .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
    .replace(/\s+/g, '');
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const mint = (subject: string, access: unknown[], lifetimeS: number): string => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${part({ alg: 'ES256', typ: 'JWT', x5c: [certDer] })}.${part({
      iss: tokenIssuer,
      sub: subject,
      aud: tokenService,
      iat: now,
      nbf: now - 10,
      exp: now + lifetimeS,
      jti: randomUUID(),
      access,
    })}`;
    const signature = createSign('SHA256')
      .update(unsigned)
      .sign({ key: keyPem, dsaEncoding: 'ieee-p1363' })
      .toString('base64url');
    return `${unsigned}.${signature}`;
  };
  const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  let issued = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    if (url.pathname !== '/token' || req.headers.authorization !== expected) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ details: 'incorrect username or password' }));
      return;
    }
    const access = url.searchParams.getAll('scope').flatMap((scope) => {
      const match = /^repository:([^:]+):([a-z*,]+)$/.exec(scope);
      return match === null
        ? []
        : [{ type: 'repository', name: match[1], actions: match[2]?.split(',') }];
    });
    issued += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: mint(credentials.username, access, 300), expires_in: 300 }));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certFile: signer.certFile,
    adminToken: (repository) =>
      mint(
        'harness',
        repository === ''
          ? []
          : [{ type: 'repository', name: repository, actions: ['pull', 'push'] }],
        3600,
      ),
    issued: () => issued,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

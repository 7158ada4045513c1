import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import bcrypt from 'bcryptjs';
import { freePort, waitFor } from './net.js';
import { startProcess } from './process.js';
import { makeTempDir } from './temp.js';

export interface RegistryOptions {
  /** Require HTTP basic auth (htpasswd) with these credentials. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
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
    auth === undefined
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

  return {
    url,
    host,
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
    async stop() {
      await registry.stop();
      await temp.remove();
    },
  };
}

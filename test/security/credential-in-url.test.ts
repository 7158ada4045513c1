import { randomBytes } from 'node:crypto';
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { build, buildAsync } from '@tide/kustomize';
import {
  apiRequest,
  makeTempDir,
  sharedControlPlane,
  startController,
  waitFor,
  type ControllerProcess,
  type SharedControlPlane,
  type TempDir,
} from '@tide/harness';

/**
 * Leaked credentials (M4, T8): a source URL with user info (`user:s3cr3t-token@`) fails in the
 * ways that used to print the URL whole (an index stored from it, a 404, a chart digest
 * mismatch under a relative chart URL, a missing Git repository). The real source-controller
 * process reconciles them; the token appears in no Event of the namespace, no condition and
 * no line of the controller's log. Kustomize remote bases with a token in their address are
 * built in-process: the token appears in no build error.
 */

const token = 's3cr3t-token';
const sources = '/apis/source.toolkit.fluxcd.io/v1';

interface Conditioned {
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

interface KubeEvent {
  reason?: string;
  message?: string;
}

const readyOf = (obj: Conditioned) => obj.status?.conditions?.find((c) => c.type === 'Ready');

/** A chart repository whose index names its chart by a relative URL with a wrong digest. */
function chartIndex(): string {
  return [
    'apiVersion: v1',
    'entries:',
    '  podinfo:',
    '    - name: podinfo',
    '      version: 1.0.0',
    '      urls: [podinfo-1.0.0.tgz]',
    `      digest: "${'0'.repeat(64)}"`,
    '',
  ].join('\n');
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('credentials in source URLs', () => {
  let plane: SharedControlPlane;
  let namespace: string;
  let temp: TempDir;
  let server: Server;
  let base: string;
  let controller: ControllerProcess | undefined;
  const selector = { 'tide.test/creds-run': randomBytes(4).toString('hex') };
  /** The user info the server was sent as basic auth: proof the URL was used as written. */
  const receivedAuth: string[] = [];

  const api = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const answer = await apiRequest(plane.connection, {
      method,
      path,
      ...(body === undefined ? {} : { body }),
    });
    if (answer.status >= 300)
      throw new Error(`${method} ${path}: HTTP ${answer.status}: ${answer.text}`);
    return answer.body;
  };
  const create = (plural: string, kind: string, name: string, spec: object) =>
    api('POST', `${sources}/namespaces/${namespace}/${plural}`, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind,
      metadata: { name, namespace, labels: selector },
      spec,
    });
  const settled = async (plural: string, name: string, done: (obj: Conditioned) => boolean) => {
    let last: Conditioned | undefined;
    try {
      return await waitFor(
        async () => {
          last = (await api(
            'GET',
            `${sources}/namespaces/${namespace}/${plural}/${name}`,
          )) as Conditioned;
          return done(last) ? last : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250, what: `${plural}/${name} to settle` },
      );
    } catch (error) {
      throw new Error(`${String(error)}; last status: ${JSON.stringify(last?.status)}`, {
        cause: error,
      });
    }
  };

  beforeAll(async () => {
    plane = sharedControlPlane();
    namespace = await plane.createNamespace('creds-url');
    temp = await makeTempDir('creds-url');
    server = createServer((req, res) => {
      if (req.headers.authorization !== undefined) receivedAuth.push(req.headers.authorization);
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path === '/charts/index.yaml') {
        res.writeHead(200, { 'content-type': 'text/yaml' }).end(chartIndex());
      } else if (path === '/charts/podinfo-1.0.0.tgz') {
        res.writeHead(200, { 'content-type': 'application/gzip' }).end('not the chart');
      } else {
        res.writeHead(404).end();
      }
    });
    const port = await listen(server);
    base = `http://user:${token}@127.0.0.1:${port}`;
    controller = await startController('source-controller', {
      kubeconfigPath: plane.kubeconfigPath,
      workDir: temp.path,
      extraArgs: [
        '--watch-all-namespaces',
        `--watch-label-selector=${Object.entries(selector)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')}`,
      ],
    });
  });
  afterAll(async () => {
    await controller?.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    await temp.remove();
  });

  it('never shows the token of a HelmRepository, HelmChart or GitRepository URL', async () => {
    await create('helmrepositories', 'HelmRepository', 'stored', {
      interval: '1h',
      url: `${base}/charts`,
    });
    await create('helmrepositories', 'HelmRepository', 'missing', {
      interval: '1h',
      url: `${base}/nothing`,
    });
    await create('helmcharts', 'HelmChart', 'podinfo', {
      interval: '1h',
      chart: 'podinfo',
      version: '1.0.0',
      sourceRef: { kind: 'HelmRepository', name: 'stored' },
    });
    await create('gitrepositories', 'GitRepository', 'repo', {
      interval: '1h',
      url: `${base}/missing.git`,
      ref: { branch: 'main' },
    });

    const objects = [
      await settled('helmrepositories', 'stored', (o) => readyOf(o)?.status === 'True'),
      await settled('helmrepositories', 'missing', (o) => readyOf(o)?.status === 'False'),
      await settled('helmcharts', 'podinfo', (o) =>
        (readyOf(o)?.message ?? '').includes('digest mismatch'),
      ),
      await settled('gitrepositories', 'repo', (o) => readyOf(o)?.status === 'False'),
    ];
    const events = await waitFor(
      async () => {
        const list = (await api('GET', `/api/v1/namespaces/${namespace}/events`)) as {
          items: KubeEvent[];
        };
        return list.items.some((e) => e.reason === 'NewArtifact') ? list.items : undefined;
      },
      { timeoutMs: 30_000, what: 'the NewArtifact event of HelmRepository stored' },
    );
    // Let the log catch up with the last reconcile before reading it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const log = await readFile(join(temp.path, 'source-controller', 'controller.log'), 'utf8');

    // The URLs were used as written (the server got the user info), and every place a person
    // reads names the server, only without the token.
    expect(receivedAuth.length).toBeGreaterThan(0);
    expect(Buffer.from((receivedAuth[0] ?? '').replace(/^Basic /, ''), 'base64').toString()).toBe(
      `user:${token}`,
    );
    const messages = objects.map((o) => readyOf(o)?.message ?? '');
    for (const message of messages.slice(1)) expect(message).toContain('127.0.0.1');
    expect(events.map((e) => e.message ?? '').join('\n')).toContain('127.0.0.1');
    expect(log).toContain('127.0.0.1');

    for (const obj of objects) expect(JSON.stringify(obj.status)).not.toContain(token);
    for (const event of events) expect(JSON.stringify(event)).not.toContain(token);
    expect(log).not.toContain(token);
  });

  it('never shows the token of a kustomize remote base address', async () => {
    const dir = join(temp.path, 'remote-kustomization');
    await mkdir(dir, { recursive: true });
    const cases = [
      `https://x-token:${token}@127.0.0.1:1/org/repo//base?ref=v1`,
      `ssh://git:${token}@git.invalid/org/repo//base?ref=v1`,
      `${base}/missing.git//base?ref=v1`,
      `git::${base}/missing.git//base?ref=v1`,
    ];
    const failures: string[] = [];
    for (const address of cases) {
      await writeFile(join(dir, 'kustomization.yaml'), `resources:\n  - ${address}\n`);
      for (const attempt of [
        // build() throws synchronously; the async wrapper turns that into a rejection.
        // eslint-disable-next-line @typescript-eslint/require-await
        async () => build(dir),
        () => buildAsync(dir, { remote: true }),
      ]) {
        const error = await attempt().then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
        expect(error).toBeInstanceOf(Error);
        failures.push((error as Error).message);
      }
    }
    for (const message of failures) {
      expect(message).toContain('remote resource');
      expect(message).not.toContain(token);
    }
  });
});

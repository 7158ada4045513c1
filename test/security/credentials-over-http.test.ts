import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  apiRequest,
  httpRequest,
  makeTempDir,
  sharedControlPlane,
  startController,
  waitFor,
  type ControllerProcess,
  type SharedControlPlane,
  type TempDir,
} from '@tide/harness';

/**
 * Credentials over plain http (M4): a GitRepository whose secretRef gives basic auth or a bearer
 * token, and a HelmRepository (secretRef, or user info in spec.url) or HelmChart download on an
 * `http://` URL, are refused with Ready=False before any request carries them: the real HTTP
 * server they name never receives an Authorization header. The server is reached by the
 * machine's host name, not a loopback literal (127.0.0.0/8 and ::1 stay allowed: that traffic
 * never leaves the machine). A HelmRepository with `spec.insecure: true` opts in and is served.
 */

const sources = '/apis/source.toolkit.fluxcd.io/v1';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface Conditioned {
  status?: { conditions?: Condition[] };
}

const conditionOf = (obj: Conditioned, type: string) =>
  obj.status?.conditions?.find((c) => c.type === type);

function index(chartUrl: string): string {
  return [
    'apiVersion: v1',
    'entries:',
    '  podinfo:',
    '    - name: podinfo',
    '      version: 1.0.0',
    `      urls: [${JSON.stringify(chartUrl)}]`,
    '',
  ].join('\n');
}

describe('credentials over plain http', () => {
  let plane: SharedControlPlane;
  let namespace: string;
  let temp: TempDir;
  let server: Server;
  let controller: ControllerProcess | undefined;
  /** Not a loopback literal: the name resolves to this machine, where the server listens. */
  let networkBase: string;
  let loopbackBase: string;
  const selector = { 'tide.test/http-creds-run': randomBytes(4).toString('hex') };
  /** Every request the server received: path, and whether it carried credentials. */
  const received: { path: string; authorization: boolean }[] = [];

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
  const secret = (name: string, stringData: Record<string, string>) =>
    api('POST', `/api/v1/namespaces/${namespace}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace },
      stringData,
    });
  const readyOf = async (plural: string, name: string, status: 'True' | 'False') => {
    let last: Conditioned | undefined;
    try {
      return await waitFor(
        async () => {
          last = (await api(
            'GET',
            `${sources}/namespaces/${namespace}/${plural}/${name}`,
          )) as Conditioned;
          return conditionOf(last, 'Ready')?.status === status ? last : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250, what: `${plural}/${name} Ready=${status}` },
      );
    } catch (error) {
      throw new Error(`${String(error)}; last status: ${JSON.stringify(last?.status)}`, {
        cause: error,
      });
    }
  };

  beforeAll(async () => {
    plane = sharedControlPlane();
    namespace = await plane.createNamespace('http-creds');
    temp = await makeTempDir('http-creds');
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      received.push({ path, authorization: req.headers.authorization !== undefined });
      if (path === '/optin/index.yaml' || path === '/loop/index.yaml') {
        res
          .writeHead(200, { 'content-type': 'text/yaml' })
          .end(index(`${networkBase}/loop-charts/podinfo-1.0.0.tgz`));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '0.0.0.0', () => {
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    // A name, not a loopback IP literal: the controller must treat it as the network.
    networkBase = `http://localhost:${address.port}`;
    loopbackBase = `http://127.0.0.1:${address.port}`;
    // The test proves nothing unless the name reaches this server.
    expect((await httpRequest(`${networkBase}/probe`, { timeoutMs: 5000 })).status).toBe(404);
    expect(received.some((r) => r.path === '/probe')).toBe(true);

    await secret('basic', { username: 'flux', password: 'over-the-wire' });
    await secret('bearer', { bearerToken: 'over-the-wire' });
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

  it('refuses Git basic auth and bearer tokens on an http URL, naming what to do', async () => {
    for (const [name, secretName] of [
      ['git-basic', 'basic'],
      ['git-bearer', 'bearer'],
    ] as const) {
      await create('gitrepositories', 'GitRepository', name, {
        interval: '1h',
        url: `${networkBase}/${name}.git`,
        ref: { branch: 'main' },
        secretRef: { name: secretName },
      });
    }
    const refused = [
      await readyOf('gitrepositories', 'git-basic', 'False'),
      await readyOf('gitrepositories', 'git-bearer', 'False'),
    ];
    // Refused before the first request: the server saw nothing, credentials least of all.
    expect(received.filter((r) => r.path.startsWith('/git-'))).toEqual([]);
    for (const obj of refused) {
      const ready = conditionOf(obj, 'Ready');
      expect(ready?.reason).toBe('InvalidSourceConfig');
      expect(ready?.message).toContain('plain http');
      expect(ready?.message).toContain('secretRef');
      expect(ready?.message).toContain('use an https:// URL');
      expect(conditionOf(obj, 'Stalled')?.status).toBe('True');
    }
  });

  it('refuses Helm credentials on http unless spec.insecure, and HelmChart downloads too', async () => {
    await create('helmrepositories', 'HelmRepository', 'helm-secret', {
      interval: '1h',
      url: `${networkBase}/helm-secret`,
      secretRef: { name: 'basic' },
    });
    await create('helmrepositories', 'HelmRepository', 'helm-userinfo', {
      interval: '1h',
      url: `${networkBase.replace('//', '//flux:over-the-wire@')}/helm-userinfo`,
    });
    // On loopback the index is fetched with credentials; its chart lives on the network host.
    await create('helmrepositories', 'HelmRepository', 'loop', {
      interval: '1h',
      url: `${loopbackBase}/loop`,
      secretRef: { name: 'basic' },
      passCredentials: true,
    });
    await create('helmcharts', 'HelmChart', 'podinfo', {
      interval: '1h',
      chart: 'podinfo',
      version: '1.0.0',
      sourceRef: { kind: 'HelmRepository', name: 'loop' },
    });
    await create('helmrepositories', 'HelmRepository', 'optin', {
      interval: '1h',
      url: `${networkBase}/optin`,
      secretRef: { name: 'basic' },
      insecure: true,
    });

    const refused = [
      await readyOf('helmrepositories', 'helm-secret', 'False'),
      await readyOf('helmrepositories', 'helm-userinfo', 'False'),
    ];
    const chart = await waitFor(
      async () => {
        const obj = (await api(
          'GET',
          `${sources}/namespaces/${namespace}/helmcharts/podinfo`,
        )) as Conditioned;
        // FetchFailed, not the Ready=False of waiting for the repository's artifact.
        return conditionOf(obj, 'FetchFailed')?.status === 'True' ? obj : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'HelmChart podinfo to fail its download' },
    );
    await readyOf('helmrepositories', 'optin', 'True');

    const withCredentials = received.filter((r) => r.authorization).map((r) => r.path);
    // The opt-in and the loopback index got credentials; nothing else did.
    expect(
      withCredentials.filter((p) => p !== '/optin/index.yaml' && p !== '/loop/index.yaml'),
    ).toEqual([]);
    expect(received.filter((r) => r.path.startsWith('/helm-'))).toEqual([]);
    expect(withCredentials).toContain('/optin/index.yaml');
    expect(withCredentials).toContain('/loop/index.yaml');
    for (const obj of refused) {
      const ready = conditionOf(obj, 'Ready');
      expect(ready?.reason).toBe('InvalidSourceConfig');
      expect(ready?.message).toContain('plain http');
      expect(ready?.message).toContain('spec.insecure: true');
    }
    expect(conditionOf(chart, 'Ready')?.reason).toBe('InvalidSourceConfig');
    expect(conditionOf(chart, 'Ready')?.message).toContain('plain http');
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { httpRequest } from '@tide/harness';
import {
  conditionOf,
  listenHttp,
  startSourceController,
  type SourceControllerRun,
  type TestHttpServer,
} from './fixtures/source-controller.js';

/**
 * Credentials over plain http (M4): a GitRepository whose secretRef gives basic auth or a bearer
 * token, and a HelmRepository (secretRef, or user info in spec.url) or HelmChart download on an
 * `http://` URL, are refused with Ready=False before any request carries them: the real HTTP
 * server they name never receives an Authorization header. The server is reached by the
 * machine's host name, not a loopback literal (127.0.0.0/8 and ::1 stay allowed: that traffic
 * never leaves the machine). A HelmRepository with `spec.insecure: true` opts in and is served.
 */

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
  let run: SourceControllerRun;
  let server: TestHttpServer;
  /** Not a loopback literal: the name resolves to this machine, where the server listens. */
  let networkBase: string;
  let loopbackBase: string;
  /** Every request the server received: path, and whether it carried credentials. */
  const received: { path: string; authorization: boolean }[] = [];

  const readyOf = (plural: string, name: string, status: 'True' | 'False') =>
    run.settled(plural, name, (obj) => conditionOf(obj, 'Ready')?.status === status);

  beforeAll(async () => {
    server = await listenHttp('0.0.0.0', (req, res) => {
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
    // A name, not a loopback IP literal: the controller must treat it as the network.
    networkBase = `http://localhost:${server.port}`;
    loopbackBase = `http://127.0.0.1:${server.port}`;
    // The test proves nothing unless the name reaches this server.
    expect((await httpRequest(`${networkBase}/probe`, { timeoutMs: 5000 })).status).toBe(404);
    expect(received.some((r) => r.path === '/probe')).toBe(true);

    run = await startSourceController('http-creds');
    await run.secret('basic', { username: 'flux', password: 'over-the-wire' });
    await run.secret('bearer', { bearerToken: 'over-the-wire' });
  });
  afterAll(async () => {
    await run.stop();
    await server.close();
  });

  it('refuses Git basic auth and bearer tokens on an http URL, naming what to do', async () => {
    for (const [name, secretName] of [
      ['git-basic', 'basic'],
      ['git-bearer', 'bearer'],
    ] as const) {
      await run.create('gitrepositories', 'GitRepository', name, {
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
    await run.create('helmrepositories', 'HelmRepository', 'helm-secret', {
      interval: '1h',
      url: `${networkBase}/helm-secret`,
      secretRef: { name: 'basic' },
    });
    await run.create('helmrepositories', 'HelmRepository', 'helm-userinfo', {
      interval: '1h',
      url: `${networkBase.replace('//', '//flux:over-the-wire@')}/helm-userinfo`,
    });
    // On loopback the index is fetched with credentials; its chart lives on the network host.
    await run.create('helmrepositories', 'HelmRepository', 'loop', {
      interval: '1h',
      url: `${loopbackBase}/loop`,
      secretRef: { name: 'basic' },
      passCredentials: true,
    });
    await run.create('helmcharts', 'HelmChart', 'podinfo', {
      interval: '1h',
      chart: 'podinfo',
      version: '1.0.0',
      sourceRef: { kind: 'HelmRepository', name: 'loop' },
    });
    await run.create('helmrepositories', 'HelmRepository', 'optin', {
      interval: '1h',
      url: `${networkBase}/optin`,
      secretRef: { name: 'basic' },
      insecure: true,
    });

    const refused = [
      await readyOf('helmrepositories', 'helm-secret', 'False'),
      await readyOf('helmrepositories', 'helm-userinfo', 'False'),
    ];
    // FetchFailed, not the Ready=False of waiting for the repository's artifact.
    const chart = await run.settled(
      'helmcharts',
      'podinfo',
      (obj) => conditionOf(obj, 'FetchFailed')?.status === 'True',
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

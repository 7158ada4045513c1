import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { build, buildAsync } from '@tide/kustomize';
import { waitFor } from '@tide/harness';
import {
  conditionOf,
  listenHttp,
  startSourceController,
  type Conditioned,
  type SourceControllerRun,
  type TestHttpServer,
} from './fixtures/source-controller.js';

/**
 * Leaked credentials (M4, T8): a source URL with user info (`user:s3cr3t-token@`) fails in the
 * ways that used to print the URL whole (an index stored from it, a 404, a chart digest
 * mismatch under a relative chart URL, a missing Git repository). The real source-controller
 * process reconciles them; the token appears in no Event of the namespace, no condition and
 * no line of the controller's log. Kustomize remote bases with a token in their address are
 * built in-process: the token appears in no build error.
 */

const token = 's3cr3t-token';

interface KubeEvent {
  reason?: string;
  message?: string;
}

const readyOf = (obj: Conditioned) => conditionOf(obj, 'Ready');

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

describe('credentials in source URLs', () => {
  let run: SourceControllerRun;
  let server: TestHttpServer;
  let base: string;
  /** The user info the server was sent as basic auth: proof the URL was used as written. */
  const receivedAuth: string[] = [];

  beforeAll(async () => {
    server = await listenHttp('127.0.0.1', (req, res) => {
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
    base = `http://user:${token}@127.0.0.1:${server.port}`;
    run = await startSourceController('creds-url');
  });
  afterAll(async () => {
    await run.stop();
    await server.close();
  });

  it('never shows the token of a HelmRepository, HelmChart or GitRepository URL', async () => {
    await run.create('helmrepositories', 'HelmRepository', 'stored', {
      interval: '1h',
      url: `${base}/charts`,
    });
    await run.create('helmrepositories', 'HelmRepository', 'missing', {
      interval: '1h',
      url: `${base}/nothing`,
    });
    await run.create('helmcharts', 'HelmChart', 'podinfo', {
      interval: '1h',
      chart: 'podinfo',
      version: '1.0.0',
      sourceRef: { kind: 'HelmRepository', name: 'stored' },
    });
    await run.create('gitrepositories', 'GitRepository', 'repo', {
      interval: '1h',
      url: `${base}/missing.git`,
      ref: { branch: 'main' },
    });

    const objects = [
      await run.settled('helmrepositories', 'stored', (o) => readyOf(o)?.status === 'True'),
      await run.settled('helmrepositories', 'missing', (o) => readyOf(o)?.status === 'False'),
      await run.settled('helmcharts', 'podinfo', (o) =>
        (readyOf(o)?.message ?? '').includes('digest mismatch'),
      ),
      await run.settled('gitrepositories', 'repo', (o) => readyOf(o)?.status === 'False'),
    ];
    const events = await waitFor(
      async () => {
        const list = (await run.api('GET', `/api/v1/namespaces/${run.namespace}/events`)) as {
          items: KubeEvent[];
        };
        return list.items.some((e) => e.reason === 'NewArtifact') ? list.items : undefined;
      },
      { timeoutMs: 30_000, what: 'the NewArtifact event of HelmRepository stored' },
    );
    // Let the log catch up with the last reconcile before reading it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const log = await readFile(join(run.temp.path, 'source-controller', 'controller.log'), 'utf8');

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
    const dir = join(run.temp.path, 'remote-kustomization');
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

import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  httpRequest,
  makeTempDir,
  sharedControlPlane,
  startController,
  type ControllerProcess,
  type TempDir,
} from '@tide/harness';

/**
 * Hostile HTTP clients against every port a controller process listens on (T12, H1): metrics
 * and health of both controllers, and source-controller's artifact server. The ports are
 * open to every pod in the cluster, so no request-target, method or head size may end the
 * process: each gets an HTTP answer, and afterwards the process still runs and /healthz
 * answers 200. The controllers run as their own processes from dist/ (`npm test` builds).
 */

/** Raw request heads, sent as written: most are not something an HTTP client library sends. */
const requests: readonly (readonly [string, string])[] = [
  ['an empty path with an empty authority', 'GET // HTTP/1.1'],
  ['an unterminated IPv6 authority', 'GET //[::1 HTTP/1.1'],
  ['a scheme-relative target', 'GET //evil.invalid/healthz HTTP/1.1'],
  ['the asterisk form on GET', 'GET * HTTP/1.1'],
  ['the asterisk form on OPTIONS', 'OPTIONS * HTTP/1.1'],
  ['the absolute form', 'GET http://evil.invalid/healthz HTTP/1.1'],
  ['a broken absolute form', 'GET http://[::1/healthz HTTP/1.1'],
  ['a target with no slash', 'GET healthz HTTP/1.1'],
  ['a bad percent escape', 'GET /%zz/%%/healthz HTTP/1.1'],
  ['an 8 KiB path', `GET /${'a'.repeat(8 * 1024)} HTTP/1.1`],
  ['a 64 KiB path', `GET /${'a'.repeat(64 * 1024)} HTTP/1.1`],
  ['an unknown method', 'BREW /healthz HTTP/1.1'],
  ['a method not served', 'DELETE /healthz HTTP/1.1'],
  ['a garbage request line', '\u0000\u0001 / HTTP/9.9'],
];

/** Sends `head` and answers the status line the server wrote before closing the connection. */
function rawRequest(address: string, head: string): Promise<string> {
  const { hostname, port } = new URL(`http://${address}`);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 5s to ${JSON.stringify(head.slice(0, 60))}`));
    }, 5000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The server may reset the connection right after its answer (a head it refused).
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1').split('\r\n')[0] ?? '');
    });
    socket.write(`${head}\r\nHost: ${address}\r\nConnection: close\r\n\r\n`, 'latin1');
  });
}

/**
 * Holds a connection open the slowloris way, one header line a second and never the blank
 * line ending the head; answers how long the server let it stay (and what it wrote).
 */
function slowHead(address: string, giveUpMs: number): Promise<{ heldMs: number; answer: string }> {
  const { hostname, port } = new URL(`http://${address}`);
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const trickle = setInterval(() => {
      socket.write(`X-Slow-${Date.now()}: 1\r\n`);
    }, 1000);
    const giveUp = setTimeout(() => socket.destroy(), giveUpMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(trickle);
      clearTimeout(giveUp);
      const answer = Buffer.concat(chunks).toString('latin1').split('\r\n')[0] ?? '';
      resolve({ heldMs: Date.now() - started, answer });
    });
    socket.write(`GET /healthz HTTP/1.1\r\nHost: ${address}\r\n`);
  });
}

describe('malformed HTTP requests to every controller port', () => {
  let temp: TempDir;
  const controllers = new Map<string, ControllerProcess>();
  /** Watch nothing that exists: this test only needs the processes and their ports. */
  const selector = `tide.test/http-malformed=${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    const plane = sharedControlPlane();
    temp = await makeTempDir('http-malformed');
    for (const name of ['source-controller', 'kustomize-controller']) {
      controllers.set(
        name,
        await startController(name, {
          kubeconfigPath: plane.kubeconfigPath,
          workDir: temp.path,
          extraArgs: [`--watch-label-selector=${selector}`],
        }),
      );
    }
  });
  afterAll(async () => {
    await Promise.all([...controllers.values()].map((c) => c.stop()));
    await temp.remove();
  });

  const controller = (name: string): ControllerProcess => {
    const found = controllers.get(name);
    if (found === undefined) throw new Error(`${name} was not started`);
    return found;
  };
  const ports: readonly (readonly [string, string, (c: ControllerProcess) => string])[] = [
    ['source-controller', 'metrics', (c) => new URL(c.metricsUrl).host],
    ['source-controller', 'health', (c) => new URL(c.healthUrl).host],
    ['source-controller', 'artifact', (c) => c.addresses.storage ?? 'no artifact address'],
    ['kustomize-controller', 'metrics', (c) => new URL(c.metricsUrl).host],
    ['kustomize-controller', 'health', (c) => new URL(c.healthUrl).host],
  ];
  const cases = ports.flatMap(([name, port, address]) =>
    requests.map(([what, head]) => ({ name, port, address, what, head })),
  );

  it.each(cases)('$name $port port: $what', async ({ name, address, head }) => {
    const target = controller(name);
    const statusLine = await rawRequest(address(target), head);
    expect(statusLine).toMatch(/^HTTP\/1\.1 [1-5]\d\d /);
    expect(target.process.running()).toBe(true);
    const health = await httpRequest(`${target.healthUrl}/healthz`, { timeoutMs: 5000 });
    expect(health.status).toBe(200);
  });

  it('a client sending its request head slowly is cut off within 15s on every port', async () => {
    const held = await Promise.all(
      ports.map(async ([name, port, address]) => ({
        port: `${name} ${port}`,
        ...(await slowHead(address(controller(name)), 30_000)),
      })),
    );
    for (const { port, heldMs, answer } of held) {
      expect({ port, cutOff: heldMs < 15_000, answer }).toEqual({
        port,
        cutOff: true,
        answer: 'HTTP/1.1 408 Request Timeout',
      });
    }
    for (const c of controllers.values()) expect(c.process.running()).toBe(true);
  });

  it('a well-formed request still gets its answer from every port', async () => {
    const source = controller('source-controller');
    const kustomize = controller('kustomize-controller');
    for (const c of [source, kustomize]) {
      expect((await httpRequest(c.metricsUrl, { timeoutMs: 5000 })).status).toBe(200);
      expect((await httpRequest(`${c.healthUrl}/readyz`, { timeoutMs: 5000 })).status).toBe(200);
    }
    const missing = `http://${source.addresses.storage ?? ''}/gitrepository/ns/name/x.tar.gz`;
    expect((await httpRequest(missing, { timeoutMs: 5000 })).status).toBe(404);
  });
});

import { readFile, writeFile } from 'node:fs/promises';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer, request, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigYaml, type UserIssuer } from './control-plane.js';
import { issueServingCertificate } from './pki.js';
import { makeTempDir } from './temp.js';

/**
 * An HTTPS proxy in front of a kube-apiserver, for fault tests: it terminates TLS (with a
 * certificate from the control plane's CA, so clients trust it as they trust the API
 * server), forwards each request with the admin certificate, and can black-hole, hold or
 * precede with an action the requests a predicate picks — a lease renewal that never gets an
 * answer, a status patch that stalls until the test has killed its sender. Every write it
 * forwards is logged with who sent it and when, so a test can assert from the wire what the
 * API server was asked to do (say, that two replicas never wrote at the same time).
 */

/** What a rule sees of a request. */
export interface ProxiedRequest {
  readonly method: string;
  /** The URL path, without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

/** One write (any method but GET) the proxy forwarded to the API server. */
export interface WriteRecord {
  /** The proxy's name: which client sent it, when each client has a proxy of its own. */
  readonly proxy: string;
  readonly method: string;
  readonly path: string;
  readonly fieldManager: string | undefined;
  /** `dryRun=All`: the server checked the write and changed nothing. */
  readonly dryRun: boolean;
  readonly userAgent: string | undefined;
  readonly impersonateUser: string | undefined;
  /** When the proxy sent it on (ms since the epoch). */
  readonly sentAt: number;
  /** When the answer was complete, or the exchange failed; undefined while in flight. */
  readonly endedAt: number | undefined;
  /** The API server's status code; 0 when no answer came. */
  readonly status: number | undefined;
}

export type RequestPredicate = (request: ProxiedRequest) => boolean;

export interface ProxyRule {
  /** How many requests the rule has caught so far. */
  readonly matched: number;
  /** Ends the rule: held requests go through; black-holed ones stay unanswered. */
  remove(): void;
}

export interface ApiProxyOptions {
  /** The API server's connection (admin certificate) and the CA that signs the proxy's certificate. */
  readonly issuer: UserIssuer;
  /** Recorded with each write; `api-proxy` when omitted. */
  readonly name?: string;
}

export interface ApiProxy {
  readonly name: string;
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  /** A kubeconfig file (admin user) that talks to the API server through this proxy. */
  readonly kubeconfigPath: string;
  readonly kubeConfig: KubeConfig;
  /** The writes forwarded so far, in the order they were sent. */
  readonly writes: readonly WriteRecord[];
  /** Requests that match are accepted and never answered nor forwarded. */
  blackHole(match: RequestPredicate): ProxyRule;
  /** Requests that match wait, unforwarded, until the rule is removed. */
  hold(match: RequestPredicate): ProxyRule;
  /** `action` runs (and is awaited) before each matching request is forwarded. */
  before(match: RequestPredicate, action: (request: ProxiedRequest) => Promise<void>): ProxyRule;
  /** Closes the listener and every connection, answered or not, and removes its files. */
  stop(): Promise<void>;
}

type Rule =
  | { readonly kind: 'black-hole'; readonly match: RequestPredicate; state: RuleState }
  | { readonly kind: 'hold'; readonly match: RequestPredicate; state: RuleState }
  | {
      readonly kind: 'before';
      readonly match: RequestPredicate;
      readonly action: (request: ProxiedRequest) => Promise<void>;
      state: RuleState;
    };

/** A rule as added, before the proxy gives it its state. */
type RuleSpec = Rule extends infer R ? (R extends Rule ? Omit<R, 'state'> : never) : never;

interface RuleState {
  matched: number;
  removed: boolean;
  /** Resolves when the rule is removed. */
  readonly gone: Promise<void>;
  readonly release: () => void;
}

export async function startApiProxy(options: ApiProxyOptions): Promise<ApiProxy> {
  const name = options.name ?? 'api-proxy';
  const temp = await makeTempDir('api-proxy');
  try {
    const pair = await issueServingCertificate(temp.path, options.issuer.ca, name);
    const [cert, key] = await Promise.all([
      readFile(pair.certFile, 'utf8'),
      readFile(pair.keyFile, 'utf8'),
    ]);
    const upstream = options.issuer.connection;
    const agent = new Agent({
      ca: upstream.caPem,
      cert: upstream.certPem,
      key: upstream.keyPem,
      keepAlive: true,
    });
    const rules: Rule[] = [];
    const writes: WriteRecord[] = [];
    const sockets = new Set<Socket>();
    const server = createServer({ cert, key }, (incoming, outgoing) => {
      void relay(incoming, outgoing).catch(() => {
        outgoing.destroy();
      });
    });
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.on('tlsClientError', () => undefined);

    const relay = async (incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> => {
      const url = new URL(incoming.url ?? '/', 'https://proxy.invalid');
      const seen: ProxiedRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: incoming.headers,
      };
      for (const rule of rules) {
        if (rule.state.removed || !rule.match(seen)) continue;
        rule.state.matched += 1;
        if (rule.kind === 'black-hole') return; // never answered; the socket stays open
        if (rule.kind === 'hold') await rule.state.gone;
        else await rule.action(seen);
      }
      // A client that gave up while its request was held: the request never reaches the server.
      if (outgoing.destroyed || incoming.socket.destroyed) return;
      forward(incoming, outgoing, seen);
    };

    const forward = (incoming: IncomingMessage, outgoing: ServerResponse, seen: ProxiedRequest) => {
      const target = new URL(incoming.url ?? '/', upstream.server);
      const record: { -readonly [K in keyof WriteRecord]: WriteRecord[K] } | undefined =
        seen.method === 'GET'
          ? undefined
          : {
              proxy: name,
              method: seen.method,
              path: seen.path,
              fieldManager: seen.query.get('fieldManager') ?? undefined,
              dryRun: seen.query.has('dryRun'),
              userAgent: headerText(seen.headers['user-agent']),
              impersonateUser: headerText(seen.headers['impersonate-user']),
              sentAt: Date.now(),
              endedAt: undefined,
              status: undefined,
            };
      if (record !== undefined) writes.push(record);
      const end = (status: number) => {
        if (record === undefined || record.endedAt !== undefined) return;
        record.endedAt = Date.now();
        record.status ??= status;
      };
      const headers = { ...incoming.headers, host: target.host };
      const upstreamRequest = request(target, { method: seen.method, headers, agent });
      upstreamRequest.on('response', (answer) => {
        if (record !== undefined) record.status = answer.statusCode ?? 0;
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
        answer.on('end', () => {
          end(answer.statusCode ?? 0);
        });
        answer.on('error', () => {
          end(0);
          outgoing.destroy();
        });
      });
      upstreamRequest.on('error', () => {
        end(0);
        outgoing.destroy();
      });
      // A client that goes away takes its exchange with it (watches, aborted calls).
      outgoing.on('close', () => {
        if (!outgoing.writableFinished) {
          upstreamRequest.destroy();
          end(0);
        }
      });
      incoming.pipe(upstreamRequest);
    };

    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string')
      throw new Error('api proxy: no TCP address');
    const serverUrl = `https://127.0.0.1:${address.port}`;
    const kubeconfigPath = join(temp.path, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYaml(serverUrl, upstream, 'admin'));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);

    const addRule = (rule: RuleSpec): ProxyRule => {
      const releases: (() => void)[] = [];
      const gone = new Promise<void>((resolve) => {
        releases.push(resolve);
      });
      const state: RuleState = {
        matched: 0,
        removed: false,
        gone,
        release: () => {
          for (const release of releases) release();
        },
      };
      const full: Rule = { ...rule, state };
      rules.push(full);
      return {
        get matched() {
          return state.matched;
        },
        remove() {
          if (state.removed) return;
          state.removed = true;
          state.release();
        },
      };
    };

    return {
      name,
      server: serverUrl,
      kubeconfigPath,
      kubeConfig,
      writes,
      blackHole: (match) => addRule({ kind: 'black-hole', match }),
      hold: (match) => addRule({ kind: 'hold', match }),
      before: (match, action) => addRule({ kind: 'before', match, action }),
      async stop() {
        for (const rule of rules) {
          // Held requests are dropped, not forwarded, once the proxy goes.
          rule.state.removed = true;
        }
        await closeServer(server, sockets);
        agent.destroy();
        await temp.remove();
      },
    };
  } catch (error) {
    await temp.remove();
    throw error;
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

async function closeServer(server: Server, sockets: ReadonlySet<Socket>): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  for (const socket of sockets) socket.destroy();
  await closed;
}

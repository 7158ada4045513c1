import { request, Agent } from 'node:https';

/** Where an API server is and the client certificate to reach it with. */
export interface ApiConnection {
  readonly server: string;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly timeoutMs?: number;
}

/**
 * A plain HTTPS call to the API server. The harness uses it for set-up (CRDs, readiness)
 * so that set-up does not depend on the client library the code under test uses.
 */
export function apiRequest(connection: ApiConnection, req: ApiRequest): Promise<ApiResponse> {
  const url = new URL(req.path, connection.server);
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: req.method,
        agent: agentFor(connection),
        headers: {
          accept: 'application/json',
          ...(payload === undefined
            ? {}
            : {
                'content-type': req.contentType ?? 'application/json',
                'content-length': Buffer.byteLength(payload),
              }),
        },
        timeout: req.timeoutMs ?? 10_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // plain-text answers such as /readyz stay text
          }
          resolve({ status: response.statusCode ?? 0, body, text });
        });
      },
    );
    outgoing.on('timeout', () =>
      outgoing.destroy(new Error(`${req.method} ${url.pathname} timed out`)),
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

const agents = new WeakMap<ApiConnection, Agent>();

function agentFor(connection: ApiConnection): Agent {
  let agent = agents.get(connection);
  if (agent === undefined) {
    agent = new Agent({
      ca: connection.caPem,
      cert: connection.certPem,
      key: connection.keyPem,
      keepAlive: false,
    });
    agents.set(connection, agent);
  }
  return agent;
}

/**
 * HTTP CONNECT tunnels: how every Tide client (Git over HTTPS, registries, artifact
 * downloads) reaches an https:// server through a proxy, so the proxy sees only the target's
 * host and port and TLS runs end to end inside the tunnel.
 */
import {
  request as httpRequest,
  type ClientRequest,
  type ClientRequestArgs,
  type IncomingMessage,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';

/** A proxy: `http://host:port` without user info, and its credentials. */
export interface TunnelProxy {
  readonly address: string;
  readonly username?: string;
  readonly password?: string;
}

/** TLS material for the connection to the target. */
export interface TunnelTls {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** How one client reaches its servers: trusted CAs, its certificate, a proxy. */
export interface ConnectionSettings {
  /** PEM bundle to trust in addition to the system roots. */
  readonly caPem?: string;
  /** The TLS client certificate presented to https servers. */
  readonly clientCertificate?: { readonly certPem: string; readonly keyPem: string };
  readonly proxy?: TunnelProxy;
}

/** The method, headers and abort signal of one request. */
export interface OutgoingRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

/** Why a tunnel did not open: the proxy's answer to CONNECT, or the connection's error. */
export type TunnelFailure = { readonly proxy: TunnelProxy; readonly authority: string } & (
  { readonly status: number } | { readonly error: Error }
);

/** The Proxy-Authorization header for the proxy's credentials, if it has any. */
export function proxyAuthorization(proxy: TunnelProxy): string | undefined {
  if (proxy.username === undefined) return undefined;
  return `Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')}`;
}

/**
 * A `createConnection` that opens a CONNECT tunnel to `target` through the proxy and starts
 * TLS inside it; `failed` turns a refusal or connection error into the caller's typed error.
 */
export function tunnelThrough(
  proxy: TunnelProxy,
  target: URL,
  tls: TunnelTls,
  signal: AbortSignal | undefined,
  failed: (failure: TunnelFailure) => Error,
): NonNullable<ClientRequestArgs['createConnection']> {
  return (_options, oncreate) => {
    // Node ignores the socket when it is handed an error.
    const done = oncreate as (error: Error | null, socket?: Duplex) => void;
    const address = new URL(proxy.address);
    const authority = `${target.hostname}:${target.port === '' ? '443' : target.port}`;
    const authorization = proxyAuthorization(proxy);
    const connectRequest = httpRequest({
      host: address.hostname,
      port: address.port === '' ? 80 : Number(address.port),
      method: 'CONNECT',
      path: authority,
      headers: {
        host: authority,
        ...(authorization === undefined ? {} : { 'proxy-authorization': authorization }),
      },
      ...(signal === undefined ? {} : { signal }),
    });
    connectRequest.once('connect', (answer: IncomingMessage, socket: Duplex) => {
      if (answer.statusCode !== 200) {
        socket.destroy();
        done(failed({ proxy, authority, status: answer.statusCode ?? 0 }));
        return;
      }
      // The certificate is checked against the target's name; SNI only carries DNS names.
      const host = target.hostname.replace(/^\[|\]$/g, '');
      done(
        null,
        tlsConnect({ socket, host, ...(isIP(host) === 0 ? { servername: host } : {}), ...tls }),
      );
    });
    connectRequest.once('error', (error: Error) => {
      done(failed({ proxy, authority, error }));
    });
    connectRequest.end();
    return undefined;
  };
}

/**
 * Starts one request the way Go's net/http does: https directly or through a CONNECT tunnel,
 * plain http directly or forwarded to the proxy with the whole URL as the path. The caller
 * writes the body and ends it.
 */
export function openRequest(
  url: URL,
  request: OutgoingRequest,
  connection: ConnectionSettings,
  failed: (failure: TunnelFailure) => Error,
  onResponse: (answer: IncomingMessage) => void,
): ClientRequest {
  const common = {
    method: request.method,
    headers: { ...request.headers },
    ...(request.signal === undefined ? {} : { signal: request.signal }),
  };
  const proxy = connection.proxy;
  if (url.protocol === 'https:') {
    const tls = tlsOf(connection);
    if (proxy === undefined) return httpsRequest(url, { ...common, ...tls }, onResponse);
    const createConnection = tunnelThrough(proxy, url, tls, request.signal, failed);
    return httpsRequest(url, { ...common, createConnection }, onResponse);
  }
  if (proxy === undefined) return httpRequest(url, common, onResponse);
  const address = new URL(proxy.address);
  const authorization = proxyAuthorization(proxy);
  return httpRequest(
    {
      ...common,
      host: address.hostname,
      port: address.port === '' ? 80 : Number(address.port),
      path: url.href,
      headers: {
        ...common.headers,
        host: url.host,
        ...(authorization === undefined ? {} : { 'proxy-authorization': authorization }),
      },
    },
    onResponse,
  );
}

function tlsOf(connection: ConnectionSettings): TunnelTls {
  const certificate = connection.clientCertificate;
  return {
    ...(connection.caPem === undefined ? {} : { ca: connection.caPem }),
    ...(certificate === undefined ? {} : { cert: certificate.certPem, key: certificate.keyPem }),
  };
}

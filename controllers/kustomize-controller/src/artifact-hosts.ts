/**
 * `--artifact-hosts`: the hosts kustomize-controller downloads artifacts from. A source's
 * `status.artifact.url` can be written by anyone allowed to write its status, so a URL is
 * fetched only when its host (and port, when the entry names one) is on this list; by
 * default that is the source-controller Service of the controller's own namespace.
 */

/** One allowed host: a DNS name or IP address as URLs spell it, and optionally a port. */
export interface ArtifactHost {
  /** Lower-cased; IPv6 addresses in brackets (`[::1]`), as `URL.hostname` has them. */
  readonly hostname: string;
  /** Decimal port; any port when absent. */
  readonly port?: string;
}

export class ArtifactHostError extends Error {
  override readonly name = 'ArtifactHostError';
}

const entryPattern = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]/?#@\s]+)(?::(\d{1,5}))?$/;

/** Parses one `host[:port]` entry; anything else (a scheme, a path, credentials) is refused. */
export function parseArtifactHost(entry: string): ArtifactHost {
  const match = entryPattern.exec(entry.trim());
  const host = match?.[1];
  if (match === null || host === undefined)
    throw new ArtifactHostError(`invalid artifact host ${JSON.stringify(entry)}: want host[:port]`);
  let hostname: string;
  try {
    hostname = new URL(`http://${host}/`).hostname;
  } catch {
    throw new ArtifactHostError(`invalid artifact host ${JSON.stringify(entry)}: want host[:port]`);
  }
  const port = match[2];
  if (port === undefined) return { hostname };
  const number = Number(port);
  if (number < 1 || number > 65_535)
    throw new ArtifactHostError(`invalid port in artifact host ${JSON.stringify(entry)}`);
  return { hostname, port: String(number) };
}

/** Parses the comma-separated flag value; at least one host. */
export function parseArtifactHosts(text: string): ArtifactHost[] {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0)
    throw new ArtifactHostError('--artifact-hosts needs at least one host[:port]');
  return entries.map(parseArtifactHost);
}

/**
 * The source-controller Service in `namespace`, as the source-controller chart advertises it
 * (`--storage-adv-addr=source-controller.<namespace>.svc.cluster.local.`), and the same name
 * without the trailing dot; any port.
 */
export function defaultArtifactHosts(namespace: string): ArtifactHost[] {
  const name = `source-controller.${namespace}.svc.cluster.local`;
  return [parseArtifactHost(`${name}.`), parseArtifactHost(name)];
}

/** `host[:port]` of an entry, as a person would write it in the flag. */
export function formatArtifactHost(host: ArtifactHost): string {
  return host.port === undefined ? host.hostname : `${host.hostname}:${host.port}`;
}

const defaultPorts: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

/**
 * Whether an artifact URL may be downloaded: an http(s) URL whose host equals an entry's
 * (exactly: a trailing dot is part of the name) and whose port, the scheme's default when
 * the URL names none, equals the entry's when the entry names one.
 */
export function isAllowedArtifactUrl(url: string, hosts: readonly ArtifactHost[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const defaultPort = defaultPorts[parsed.protocol];
  if (defaultPort === undefined) return false;
  const port = parsed.port === '' ? defaultPort : parsed.port;
  return hosts.some(
    (host) => host.hostname === parsed.hostname && (host.port === undefined || host.port === port),
  );
}

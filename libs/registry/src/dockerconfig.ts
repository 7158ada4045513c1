import { RegistryError } from './errors.js';
import { dockerHubDomain } from './reference.js';

/** A username and password for a registry (basic auth, and the token endpoint's credentials). */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

/** The key of a `kubernetes.io/dockerconfigjson` Secret that holds the config. */
export const dockerConfigJsonKey = '.dockerconfigjson';

const dockerHubAliases = new Set([dockerHubDomain, 'index.docker.io', 'registry-1.docker.io']);

/**
 * The registry host an `auths` key names, as Docker reads it: the scheme and any path are
 * dropped (`https://index.docker.io/v1/` → `index.docker.io`), and Docker Hub's aliases all
 * become `docker.io`.
 */
export function dockerConfigHost(key: string): string {
  let host = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = host.indexOf('/');
  if (slash >= 0) host = host.slice(0, slash);
  host = host.toLowerCase();
  return dockerHubAliases.has(host) ? dockerHubDomain : host;
}

/**
 * Reads the credentials for `domain` (an image reference's domain: `docker.io`,
 * `ghcr.io`, `localhost:5000`) from a docker config JSON document (`{"auths": {...}}`). An
 * entry's `auth` (base64 `user:password`) wins over its `username`/`password`. A key equal
 * to the domain wins over one that only names the same host (with a scheme or path).
 * Returns undefined when no entry matches. `source` names the document in errors.
 */
export function credentialsFromDockerConfig(
  json: string,
  domain: string,
  source: string,
): RegistryCredentials | undefined {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch {
    throw new RegistryError('Unauthorized', `${source}: ${dockerConfigJsonKey} is not valid JSON`);
  }
  const auths = isObject(document) ? document.auths : undefined;
  if (!isObject(auths)) {
    throw new RegistryError(
      'Unauthorized',
      `${source}: ${dockerConfigJsonKey} has no "auths" object`,
    );
  }
  const wanted = dockerConfigHost(domain);
  const keys = Object.keys(auths);
  const exact = keys.find((key) => key === domain);
  const key = exact ?? keys.find((candidate) => dockerConfigHost(candidate) === wanted);
  if (key === undefined) return undefined;
  const entry = auths[key];
  if (!isObject(entry)) {
    throw new RegistryError(
      'Unauthorized',
      `${source}: auths entry ${JSON.stringify(key)} is not an object`,
    );
  }
  const auth = entry.auth;
  if (typeof auth === 'string' && auth !== '') {
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new RegistryError(
        'Unauthorized',
        `${source}: the "auth" of auths entry ${JSON.stringify(key)} is not base64 of username:password`,
      );
    }
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  const username = entry.username;
  const password = entry.password;
  if (typeof username === 'string' && typeof password === 'string') return { username, password };
  throw new RegistryError(
    'Unauthorized',
    `${source}: auths entry ${JSON.stringify(key)} has neither "auth" nor "username" and "password"`,
  );
}

/**
 * The credentials for `domain` from the `data` of a `kubernetes.io/dockerconfigjson` Secret
 * (values base64, as the API returns them). `secretName` (`namespace/name`) names it in errors.
 */
export function credentialsFromSecretData(
  data: Readonly<Record<string, string>>,
  domain: string,
  secretName: string,
): RegistryCredentials | undefined {
  const encoded = data[dockerConfigJsonKey];
  if (encoded === undefined) {
    throw new RegistryError(
      'Unauthorized',
      `secret ${secretName} has no ${dockerConfigJsonKey} key`,
    );
  }
  return credentialsFromDockerConfig(
    Buffer.from(encoded, 'base64').toString('utf8'),
    domain,
    `secret ${secretName}`,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

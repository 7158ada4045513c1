import { RegistryError } from './errors.js';

/** The registry Docker Hub names are resolved to; `docker.io` is how references spell it. */
export const dockerHubDomain = 'docker.io';
/** Where Docker Hub's distribution API is actually served. */
export const dockerHubApiHost = 'registry-1.docker.io';

/** A parsed image reference, normalized the way docker/distribution's `ParseNormalizedNamed` does. */
export interface ImageReference {
  /** `docker.io`, `ghcr.io`, `localhost:5000`, `[::1]:5000`. */
  readonly domain: string;
  /** The repository path inside the registry: `library/nginx`, `acme/app`. */
  readonly path: string;
  /** `domain/path`: the canonical image name (`docker.io/library/nginx`). */
  readonly name: string;
  readonly tag?: string;
  /** `algorithm:hex`, e.g. `sha256:…`. */
  readonly digest?: string;
}

const maxNameLength = 255;
const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const domainName =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/;
const ipv6Literal = /^\[[a-fA-F0-9:.]+\]$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const anchoredHex = /^[a-f0-9]{64}$/;

function invalid(text: string, why: string): RegistryError {
  return new RegistryError(
    'InvalidReference',
    `invalid image reference ${JSON.stringify(text)}: ${why}`,
  );
}

/**
 * Parses `nginx`, `nginx:1.27`, `ghcr.io/acme/app@sha256:…`, `localhost:5000/app:v1@sha256:…`
 * into a canonical reference. A first component is a registry domain when it holds a `.` or a
 * `:`, is `localhost`, or has upper-case letters; otherwise the image is on Docker Hub, and a
 * one-component Hub name is under `library/`.
 */
export function parseImageReference(text: string): ImageReference {
  if (text === '') throw invalid(text, 'it is empty');
  if (text !== text.trim()) throw invalid(text, 'it has surrounding white space');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    checkDigest(text, digest);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagPattern.test(tag)) {
      throw invalid(
        text,
        `tag ${JSON.stringify(tag)} must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`,
      );
    }
  }
  if (rest === '') throw invalid(text, 'it has no repository name');
  if (anchoredHex.test(rest)) {
    throw invalid(text, 'a 64-character hexadecimal string is an image ID, not a repository name');
  }
  const { domain, path } = splitDomain(rest);
  checkDomain(text, domain);
  checkPath(text, path);
  const name = `${domain}/${path}`;
  if (name.length > maxNameLength) {
    throw invalid(text, `the name is longer than ${maxNameLength} characters`);
  }
  return {
    domain,
    path,
    name,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

/** `name:tag`, `name@digest`, or both: the familiar, fully qualified string of a reference. */
export function formatImageReference(reference: ImageReference): string {
  const tag = reference.tag === undefined ? '' : `:${reference.tag}`;
  const digest = reference.digest === undefined ? '' : `@${reference.digest}`;
  return `${reference.name}${tag}${digest}`;
}

/** The host (and port) that serves a domain's distribution API. */
export function apiHost(domain: string): string {
  return domain === dockerHubDomain ? dockerHubApiHost : domain;
}

function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf('/');
  if (slash < 0) return { domain: dockerHubDomain, path: `library/${name}` };
  const first = name.slice(0, slash);
  const remainder = name.slice(slash + 1);
  const looksLikeDomain =
    first.includes('.') ||
    first.includes(':') ||
    first === 'localhost' ||
    first !== first.toLowerCase();
  if (!looksLikeDomain) return { domain: dockerHubDomain, path: name };
  const domain = first === 'index.docker.io' ? dockerHubDomain : first;
  const path =
    domain === dockerHubDomain && !remainder.includes('/') ? `library/${remainder}` : remainder;
  return { domain, path };
}

function checkDomain(text: string, domain: string): void {
  let host = domain;
  const portMatch = /:(\d+)$/.exec(domain);
  if (portMatch !== null) host = domain.slice(0, portMatch.index);
  else if (domain.endsWith(':') || (domain.includes(':') && !domain.startsWith('['))) {
    throw invalid(text, `registry ${JSON.stringify(domain)} has an invalid port`);
  }
  if (!domainName.test(host) && !ipv6Literal.test(host)) {
    throw invalid(text, `registry ${JSON.stringify(domain)} is not a valid host name`);
  }
}

function checkPath(text: string, path: string): void {
  for (const component of path.split('/')) {
    if (component === '') throw invalid(text, 'the repository path has an empty component');
    if (component !== component.toLowerCase() && pathComponent.test(component.toLowerCase())) {
      throw invalid(text, 'the repository name must be lowercase');
    }
    if (!pathComponent.test(component)) {
      throw invalid(
        text,
        `path component ${JSON.stringify(component)} must be lowercase letters and digits separated by '.', '_', '__' or '-'`,
      );
    }
  }
}

function checkDigest(text: string, digest: string): void {
  if (!digestPattern.test(digest)) {
    throw invalid(text, `digest ${JSON.stringify(digest)} is not algorithm:hex`);
  }
  const [algorithm, hex = ''] = digest.split(':');
  const lengths: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };
  const want = algorithm === undefined ? undefined : lengths[algorithm];
  if (want !== undefined && !new RegExp(`^[a-f0-9]{${want}}$`).test(hex)) {
    throw invalid(
      text,
      `digest ${JSON.stringify(digest)} must be ${want} lowercase hex characters`,
    );
  }
}

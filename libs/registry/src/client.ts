import { createHash } from 'node:crypto';
import { parseChallenges, type AuthChallenge } from './challenge.js';
import type { RegistryCredentials } from './dockerconfig.js';
import { RegistryError, type RegistryErrorReason } from './errors.js';
import { send, type ConnectionOptions, type HttpAnswer } from './http.js';
import { apiHost, formatImageReference, type ImageReference } from './reference.js';

/** Manifest media types asked for when resolving a digest: indexes first, as registries expect. */
export const manifestMediaTypes = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

export interface RetryOptions {
  /** Attempts per request, the first one included. */
  readonly attempts: number;
  /** First back-off delay; doubled each retry. */
  readonly baseDelayMs: number;
  /** No wait (back-off or `Retry-After`) is longer than this. */
  readonly maxDelayMs: number;
}

export interface RegistryClientOptions extends ConnectionOptions {
  /** Basic credentials, also sent to a bearer token endpoint. Anonymous when absent. */
  readonly credentials?: RegistryCredentials;
  /** Speak plain http instead of https (Flux's `insecure`). */
  readonly insecure?: boolean;
  /** Deadline of each HTTP request (default 30 s). */
  readonly requestTimeoutMs?: number;
  readonly retry?: RetryOptions;
  /** Tags per page asked for with `n` (default 1000; the registry may answer fewer). */
  readonly pageSize?: number;
  /** A scan is refused beyond this many tags (default 100,000). */
  readonly maxTags?: number;
  /** A scan is refused beyond this many bytes of tag-list answers in total (default 32 MiB). */
  readonly maxTagListBytes?: number;
  /** Clock for token expiry; `Date.now` by default. */
  readonly now?: () => number;
}

/** The scan of one repository's tags, page by page. */
export interface TagScan {
  /** Total tags yielded so far. */
  readonly count: number;
}

const defaults = {
  requestTimeoutMs: 30_000,
  retry: { attempts: 4, baseDelayMs: 500, maxDelayMs: 10_000 },
  pageSize: 1000,
  maxTags: 100_000,
  maxTagListBytes: 32 * 1024 * 1024,
  maxPageBytes: 4 * 1024 * 1024,
  maxManifestBytes: 4 * 1024 * 1024,
  maxTokenBytes: 1024 * 1024,
  defaultTokenLifetimeS: 60,
} as const;

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

type Operation = 'listing tags' | 'resolving digest';

/**
 * A client for one registry's distribution API (`/v2/`): tag lists and manifest digests,
 * with anonymous, basic and bearer-token auth. Tokens are cached per scope until they expire.
 * One client serves any number of repositories on the registry it was made for.
 */
/** One request to the registry's API: for which image and operation (they name errors). */
interface ApiRequest {
  readonly image: ImageReference;
  readonly operation: Operation;
  readonly url: URL;
  readonly method: 'GET' | 'HEAD';
  readonly headers: Readonly<Record<string, string>>;
  readonly maxBytes: number;
  readonly signal: AbortSignal | undefined;
}

export class RegistryClient {
  private readonly tokens = new Map<string, CachedToken>();
  /** Set once the registry asked for basic auth, so later requests send it up front. */
  private basicChallenged = false;
  private readonly now: () => number;

  constructor(private readonly options: RegistryClientOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Yields the repository's tags one page at a time (following `Link: <…>; rel="next"`), so
   * a caller can write them out and hold only one page in memory. Bounded by `maxTags` and
   * `maxTagListBytes`; a `Link` to another origin is refused.
   */
  async *tagPages(image: ImageReference, signal?: AbortSignal): AsyncGenerator<string[], TagScan> {
    const base = this.baseUrl(image);
    const maxTags = this.options.maxTags ?? defaults.maxTags;
    const maxBytes = this.options.maxTagListBytes ?? defaults.maxTagListBytes;
    let next: URL | undefined = new URL(`/v2/${image.path}/tags/list`, base);
    next.searchParams.set('n', String(this.options.pageSize ?? defaults.pageSize));
    let count = 0;
    let bytes = 0;
    while (next !== undefined) {
      const url: URL = next;
      const answer = await this.request({
        image,
        operation: 'listing tags',
        url,
        method: 'GET',
        headers: {},
        maxBytes: defaults.maxPageBytes,
        signal,
      });
      bytes += answer.body.length;
      if (bytes > maxBytes) {
        throw this.error(
          image,
          'listing tags',
          'TooLarge',
          `the tag list is larger than ${maxBytes} bytes`,
        );
      }
      const tags = parseTagPage(answer.body);
      if (tags === undefined) {
        throw this.error(
          image,
          'listing tags',
          'InvalidResponse',
          'the answer is not a JSON tag list',
        );
      }
      count += tags.length;
      if (count > maxTags) {
        throw this.error(
          image,
          'listing tags',
          'TooLarge',
          `the repository has more than ${maxTags} tags`,
        );
      }
      next = nextPage(answer.headers.link, url);
      if (next !== undefined && next.origin !== base.origin) {
        throw this.error(
          image,
          'listing tags',
          'InvalidResponse',
          `the next page link points to another origin (${next.origin})`,
        );
      }
      if (tags.length > 0) yield tags;
      if (tags.length === 0) next = undefined;
    }
    return { count };
  }

  /** All tags, in the registry's order. For small repositories; scans use `tagPages`. */
  async listTags(image: ImageReference, signal?: AbortSignal): Promise<string[]> {
    const all: string[] = [];
    for await (const page of this.tagPages(image, signal)) all.push(...page);
    return all;
  }

  /**
   * The digest of the manifest the reference's digest or tag (default `latest`) names:
   * `Docker-Content-Digest` of a `HEAD`, or, when the registry sends none, the SHA-256 of
   * the manifest fetched with `GET`.
   */
  async manifestDigest(image: ImageReference, signal?: AbortSignal): Promise<string> {
    const which = image.digest ?? image.tag ?? 'latest';
    const url = new URL(`/v2/${image.path}/manifests/${which}`, this.baseUrl(image));
    const accept = { accept: manifestMediaTypes.join(', ') };
    const digestCall = {
      image,
      operation: 'resolving digest',
      url,
      headers: accept,
      signal,
    } as const;
    const head = await this.request({ ...digestCall, method: 'HEAD', maxBytes: 0 });
    const digest = head.headers['docker-content-digest'];
    if (digest !== undefined && /^sha256:[a-f0-9]{64}$/.test(digest)) return digest;
    const get = await this.request({
      ...digestCall,
      method: 'GET',
      maxBytes: defaults.maxManifestBytes,
    });
    const sent = get.headers['docker-content-digest'];
    if (sent !== undefined && /^sha256:[a-f0-9]{64}$/.test(sent)) return sent;
    return `sha256:${createHash('sha256').update(get.body).digest('hex')}`;
  }

  private baseUrl(image: ImageReference): URL {
    return new URL(
      `${this.options.insecure === true ? 'http' : 'https'}://${apiHost(image.domain)}/`,
    );
  }

  /** One API request with auth (challenge, token, one retry) and retries on 429/5xx. */
  private async request(call: ApiRequest): Promise<HttpAnswer> {
    const { image, operation, headers, signal } = call;
    const scope = `repository:${image.path}:pull`;
    let answer = await this.withRetries({
      ...call,
      headers: { ...headers, ...this.authorization(scope) },
    });
    if (answer.status === 401) {
      const authorization = await this.answerChallenge(image, operation, answer, scope, signal);
      if (authorization !== undefined) {
        answer = await this.withRetries({ ...call, headers: { ...headers, ...authorization } });
      }
    }
    if (answer.status >= 200 && answer.status < 300) return answer;
    throw this.statusError(image, operation, answer);
  }

  private authorization(scope: string): Record<string, string> {
    const cached = this.tokens.get(scope);
    if (cached !== undefined && cached.expiresAt > this.now()) {
      return { authorization: `Bearer ${cached.token}` };
    }
    const credentials = this.options.credentials;
    if (this.basicChallenged && credentials !== undefined)
      return { authorization: basic(credentials) };
    return {};
  }

  /** The Authorization header that answers a 401's challenge, or undefined when none can. */
  private async answerChallenge(
    image: ImageReference,
    operation: Operation,
    answer: HttpAnswer,
    scope: string,
    signal: AbortSignal | undefined,
  ): Promise<Record<string, string> | undefined> {
    const challenges = parseChallenges(answer.headers['www-authenticate'] ?? '');
    const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
    if (bearer !== undefined) {
      const token = await this.fetchToken(image, operation, bearer, scope, signal);
      return { authorization: `Bearer ${token}` };
    }
    const credentials = this.options.credentials;
    if (
      challenges.some((challenge) => challenge.scheme === 'basic') &&
      credentials !== undefined &&
      !this.basicChallenged
    ) {
      this.basicChallenged = true;
      return { authorization: basic(credentials) };
    }
    return undefined;
  }

  private async fetchToken(
    image: ImageReference,
    operation: Operation,
    challenge: AuthChallenge,
    scope: string,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const realm = challenge.params.realm;
    if (realm === undefined || realm === '') {
      throw this.error(
        image,
        operation,
        'Unauthorized',
        'the registry asked for a bearer token without a realm',
      );
    }
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw this.error(image, operation, 'Unauthorized', 'the bearer token realm is not a URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw this.error(
        image,
        operation,
        'Unauthorized',
        `the bearer token realm has scheme ${url.protocol}`,
      );
    }
    const credentials = this.options.credentials;
    // An https registry must not downgrade its credentials to a plain-http token endpoint.
    if (url.protocol === 'http:' && this.options.insecure !== true && credentials !== undefined) {
      throw this.error(
        image,
        operation,
        'Unauthorized',
        `refusing to send credentials to the plain-http token realm ${url.host} of an https registry`,
      );
    }
    const service = challenge.params.service;
    if (service !== undefined) url.searchParams.set('service', service);
    const wantedScope = challenge.params.scope ?? scope;
    url.searchParams.set('scope', wantedScope);
    const answer = await this.withRetries({
      image,
      operation,
      url,
      method: 'GET',
      headers: credentials === undefined ? {} : { authorization: basic(credentials) },
      maxBytes: defaults.maxTokenBytes,
      signal,
    });
    if (answer.status === 401 || answer.status === 403) {
      throw this.error(
        image,
        operation,
        'Unauthorized',
        `the token endpoint ${url.origin}${url.pathname} refused the ${credentials === undefined ? 'anonymous request' : 'credentials'} (HTTP ${answer.status})`,
      );
    }
    if (answer.status < 200 || answer.status >= 300)
      throw this.statusError(image, operation, answer);
    const parsed = parseToken(answer.body);
    if (parsed === undefined) {
      throw this.error(
        image,
        operation,
        'Unauthorized',
        'the token endpoint answered without a token',
      );
    }
    const lifetime = Math.max(parsed.expiresIn ?? defaults.defaultTokenLifetimeS, 1);
    // Expire a little early so a token is never sent in its last seconds.
    const expiresAt = this.now() + lifetime * 1000 - Math.min(10_000, lifetime * 100);
    this.tokens.set(scope, { token: parsed.token, expiresAt });
    return parsed.token;
  }

  private async withRetries(call: ApiRequest): Promise<HttpAnswer> {
    const { image, operation, url, method, headers, maxBytes, signal } = call;
    const retry = this.options.retry ?? defaults.retry;
    const what = `image ${formatImageReference(image)}: ${operation}`;
    for (let attempt = 1; ; attempt++) {
      const deadline = AbortSignal.timeout(
        this.options.requestTimeoutMs ?? defaults.requestTimeoutMs,
      );
      const combined = signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
      const answer = await send(
        { method, url, headers, maxBytes, signal: combined, what },
        this.options,
      ).catch((error: unknown) => {
        throw error instanceof RegistryError ? this.redacted(error) : error;
      });
      const retriable = answer.status === 429 || answer.status >= 500;
      if (!retriable || attempt >= retry.attempts) return answer;
      const wait = Math.min(
        retryAfterMs(answer.headers['retry-after'], this.now()) ??
          retry.baseDelayMs * 2 ** (attempt - 1),
        retry.maxDelayMs,
      );
      await sleep(wait, signal, what);
    }
  }

  private statusError(
    image: ImageReference,
    operation: Operation,
    answer: HttpAnswer,
  ): RegistryError {
    const detail = registryErrorText(answer.body);
    const suffix = `HTTP ${answer.status}${detail === '' ? '' : `: ${detail}`}`;
    const reason: RegistryErrorReason =
      answer.status === 401 || answer.status === 403
        ? 'Unauthorized'
        : answer.status === 404
          ? 'NotFound'
          : answer.status === 429
            ? 'RateLimited'
            : answer.status >= 500
              ? 'ServerError'
              : 'InvalidResponse';
    const hint =
      reason === 'Unauthorized'
        ? this.options.credentials === undefined
          ? 'the registry refused anonymous access; credentials are needed'
          : 'the registry refused the credentials'
        : reason === 'NotFound'
          ? 'not found'
          : reason === 'RateLimited'
            ? 'rate limited by the registry'
            : 'the registry failed';
    return this.error(image, operation, reason, `${hint} (${suffix})`);
  }

  private error(
    image: ImageReference,
    operation: Operation,
    reason: RegistryErrorReason,
    text: string,
  ): RegistryError {
    return this.redacted(
      new RegistryError(reason, `image ${formatImageReference(image)}: ${operation}: ${text}`),
    );
  }

  /** Removes any credential or token the registry may have echoed into a message. */
  private redacted(error: RegistryError): RegistryError {
    const secrets = [
      this.options.credentials?.password,
      this.options.proxy?.password,
      ...[...this.tokens.values()].map((cached) => cached.token),
    ].filter((secret): secret is string => secret !== undefined && secret.length >= 4);
    let message = error.message;
    for (const secret of secrets) message = message.split(secret).join('***');
    if (message === error.message) return error;
    return new RegistryError(error.reason, message);
  }
}

function basic(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** A JSON object answer, or undefined for anything else (not JSON, an array, a scalar). */
function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  let document: unknown;
  try {
    document = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return undefined;
  }
  return document as Record<string, unknown>;
}

function parseTagPage(body: Buffer): string[] | undefined {
  const document = parseJsonObject(body);
  if (document === undefined) return undefined;
  const tags = document.tags;
  // distribution answers `"tags": null` for a repository whose tags were all deleted.
  if (tags === null || tags === undefined) return [];
  if (!Array.isArray(tags) || !tags.every((tag): tag is string => typeof tag === 'string'))
    return undefined;
  return tags;
}

function parseToken(body: Buffer): { token: string; expiresIn?: number } | undefined {
  const fields = parseJsonObject(body);
  if (fields === undefined) return undefined;
  const token =
    typeof fields.token === 'string' && fields.token !== '' ? fields.token : fields.access_token;
  if (typeof token !== 'string' || token === '') return undefined;
  return typeof fields.expires_in === 'number' && Number.isFinite(fields.expires_in)
    ? { token, expiresIn: fields.expires_in }
    : { token };
}

/** The target of `Link: <url>; rel="next"`, resolved against the page it came with. */
export function nextPage(link: string | undefined, current: URL): URL | undefined {
  if (link === undefined) return undefined;
  for (const part of link.split(',')) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match === null) continue;
    const params = match[2] ?? '';
    if (!/(^|;)\s*rel\s*=\s*"?next"?\s*(;|$)/i.test(params)) continue;
    try {
      return new URL(match[1] ?? '', current);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** `Retry-After` in milliseconds from now: delta seconds or an HTTP date. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function registryErrorText(body: Buffer): string {
  try {
    const document = JSON.parse(body.toString('utf8')) as { errors?: unknown };
    if (!Array.isArray(document.errors)) return '';
    const first: unknown = document.errors[0];
    if (typeof first !== 'object' || first === null) return '';
    const { code, message } = first as { code?: unknown; message?: unknown };
    return [code, message]
      .filter((part): part is string => typeof part === 'string')
      .join(': ')
      .slice(0, 200);
  } catch {
    return '';
  }
}

function sleep(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new RegistryError('Timeout', `${what}: aborted while waiting to retry`));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

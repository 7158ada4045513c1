import { isPlainObject, messageOf } from './object.js';

/** One reason the API server gave, with the field it names when it names one. */
export interface StatusCause {
  readonly field?: string;
  readonly reason?: string;
  readonly message?: string;
}

/**
 * A request the API server answered with an error, or that got no answer at all (status 0:
 * timeout, refused, aborted). The message names what we were doing, the object when the
 * caller said which (`Deployment/apps/web`), the field when the server said which, and the
 * server's own words.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    /** The Status reason (`NotFound`, `Forbidden`, `Conflict`, `Invalid`, ...), or `Timeout`, `Unreachable`, `Aborted`. */
    readonly reason: string,
    message: string,
    readonly details: {
      readonly subject?: string;
      readonly serverMessage?: string;
      readonly causes?: readonly StatusCause[];
    } = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
  get subject(): string {
    return this.details.subject ?? '';
  }
  get serverMessage(): string {
    return this.details.serverMessage ?? '';
  }
  get causes(): readonly StatusCause[] {
    return this.details.causes ?? [];
  }
  get notFound(): boolean {
    return this.status === 404;
  }
  get conflict(): boolean {
    return this.status === 409;
  }
  get gone(): boolean {
    return this.status === 410;
  }
}

export function isApiError(error: unknown, status?: number): error is ApiError {
  return error instanceof ApiError && (status === undefined || error.status === status);
}

/** A request ended (or never sent) because its signal aborted; `cause` is the signal's reason. */
export class RequestAborted extends Error {
  override readonly name = 'RequestAborted';
  constructor(reason: unknown) {
    super(messageOf(reason), { cause: reason });
  }
}

/** What a failed request was about: a verb phrase (`applying`) and the object it was for. */
export interface Purpose {
  readonly action: string;
  readonly subject: string;
}

/**
 * Builds the error of an answer outside 2xx. Given a purpose the message reads
 * `applying Deployment/apps/web: Invalid (field spec.replicas): <server message>`; given the
 * request it names the request: `GET /api/v1/...: 404 NotFound: <server message>`.
 */
export function apiErrorFrom(
  status: number,
  body: unknown,
  about: Purpose | { readonly method: string; readonly path: string },
): ApiError {
  const parsed = parseStatus(body);
  const serverMessage =
    parsed.message ?? (typeof body === 'string' ? body.trim().slice(0, 500) : '');
  const reason = parsed.reason ?? `HTTP${status}`;
  const details = { serverMessage, causes: parsed.causes };
  if (!('action' in about))
    return new ApiError(
      status,
      reason,
      `${about.method} ${about.path}: ${status} ${reason}: ${serverMessage}`,
      details,
    );
  const fields = parsed.causes.flatMap((cause) => (cause.field === undefined ? [] : [cause.field]));
  const fieldNote = fields.length > 0 ? ` (field ${[...new Set(fields)].join(', ')})` : '';
  const label = parsed.reason ?? `HTTP ${status}`;
  return new ApiError(
    status,
    reason,
    `${about.action} ${about.subject}: ${label}${fieldNote}: ${serverMessage}`,
    { ...details, subject: about.subject },
  );
}

/** The error of a request that got no answer: refused, reset, past its timeout, or aborted. */
export function transportError(error: unknown, request: string, purpose?: Purpose): ApiError {
  const aborted = error instanceof RequestAborted;
  const detail = messageOf(error);
  const reason = aborted ? 'Aborted' : detail.includes('timed out') ? 'Timeout' : 'Unreachable';
  const message =
    purpose === undefined
      ? aborted
        ? `${request}: ${detail}`
        : detail
      : `${purpose.action} ${purpose.subject}: ${detail}`;
  return new ApiError(
    0,
    reason,
    message,
    { serverMessage: detail, ...(purpose === undefined ? {} : { subject: purpose.subject }) },
    { cause: error },
  );
}

function parseStatus(body: unknown): {
  message?: string;
  reason?: string;
  causes: StatusCause[];
} {
  if (!isPlainObject(body)) return { causes: [] };
  const details = isPlainObject(body.details) ? body.details : {};
  const rawCauses = Array.isArray(details.causes) ? details.causes : [];
  const causes = body.kind !== 'Status' ? [] : rawCauses.filter(isPlainObject).map(causeOf);
  return {
    ...(typeof body.message === 'string' ? { message: body.message } : {}),
    ...(typeof body.reason === 'string' && body.reason !== '' ? { reason: body.reason } : {}),
    causes,
  };
}

function causeOf(cause: Record<string, unknown>): StatusCause {
  return {
    ...(typeof cause.field === 'string' && cause.field !== '' ? { field: cause.field } : {}),
    ...(typeof cause.reason === 'string' ? { reason: cause.reason } : {}),
    ...(typeof cause.message === 'string' ? { message: cause.message } : {}),
  };
}

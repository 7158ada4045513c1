import { isObject } from './object.js';

/** One reason the API server gave, with the field it names when it names one. */
export interface StatusCause {
  readonly field?: string;
  readonly reason?: string;
  readonly message?: string;
}

/**
 * A request the API server answered with an error. The message names what we were doing,
 * the object (`Deployment/apps/web`), the field when the server said which, and the
 * server's own words.
 */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    /** HTTP status; 0 when the request never got an answer (timeout, refused). */
    readonly status: number,
    /** The Status reason: `NotFound`, `Forbidden`, `Conflict`, `Invalid`, `Timeout`, ... */
    readonly reason: string,
    readonly subject: string,
    readonly serverMessage: string,
    readonly causes: readonly StatusCause[],
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An immutable field stood in the way and the object may not be recreated. */
export class ImmutableFieldError extends Error {
  override readonly name = 'ImmutableFieldError';
  constructor(
    readonly subject: string,
    readonly fields: readonly string[],
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The object's apiVersion/kind is not served by the cluster, even after a fresh discovery. */
export class UnknownKindError extends Error {
  override readonly name = 'UnknownKindError';
}

/** Builds a KubeApiError from an error answer; `action` is a verb phrase like `applying`. */
export function apiErrorFrom(
  status: number,
  body: unknown,
  action: string,
  subject: string,
): KubeApiError {
  const parsed = parseStatus(body);
  const serverMessage = parsed.message ?? (typeof body === 'string' ? body.trim() : '');
  const fields = parsed.causes.flatMap((cause) => (cause.field === undefined ? [] : [cause.field]));
  const fieldNote = fields.length > 0 ? ` (field ${[...new Set(fields)].join(', ')})` : '';
  const message = `${action} ${subject}: ${parsed.reason ?? `HTTP ${status}`}${fieldNote}: ${serverMessage}`;
  return new KubeApiError(
    status,
    parsed.reason ?? `HTTP${status}`,
    subject,
    serverMessage,
    parsed.causes,
    message,
  );
}

/** A request that got no answer: refused, reset, or past its timeout. */
/** A request ended (or never sent) because its signal aborted; `cause` is the signal's reason. */
export class RequestAborted extends Error {
  override readonly name = 'RequestAborted';
  constructor(reason: unknown) {
    super(reason instanceof Error ? reason.message : String(reason), { cause: reason });
  }
}

export function transportError(error: unknown, action: string, subject: string): KubeApiError {
  const aborted = error instanceof RequestAborted;
  const detail = error instanceof Error ? error.message : String(error);
  const reason = aborted ? 'Aborted' : detail.includes('timed out') ? 'Timeout' : 'Unreachable';
  return new KubeApiError(0, reason, subject, detail, [], `${action} ${subject}: ${detail}`, {
    cause: error,
  });
}

function parseStatus(body: unknown): {
  message?: string;
  reason?: string;
  causes: StatusCause[];
} {
  if (!isObject(body) || body.kind !== 'Status') return { causes: [] };
  const details = isObject(body.details) ? body.details : {};
  const rawCauses = Array.isArray(details.causes) ? details.causes : [];
  const causes = rawCauses.filter(isObject).map((cause) => ({
    ...(typeof cause.field === 'string' && cause.field !== '' ? { field: cause.field } : {}),
    ...(typeof cause.reason === 'string' ? { reason: cause.reason } : {}),
    ...(typeof cause.message === 'string' ? { message: cause.message } : {}),
  }));
  return {
    ...(typeof body.message === 'string' ? { message: body.message } : {}),
    ...(typeof body.reason === 'string' && body.reason !== '' ? { reason: body.reason } : {}),
    causes,
  };
}

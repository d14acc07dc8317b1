/**
 * Domain errors: what went wrong, in the terms of the domain. The gRPC adapter maps them to
 * status codes once (grpc-errors.ts); the gateway maps them to GraphQL codes once.
 */
export type ErrorKind =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'ABORTED'
  | 'RESOURCE_EXHAUSTED'
  | 'INTERNAL';

export interface StockShortage {
  readonly productId: string;
  readonly requested: number;
  readonly available: number;
}

export interface ErrorDetails {
  /** Stable machine-readable reason; defaults to the kind. */
  readonly reason?: string;
  /** The request field at fault, e.g. "email" or "lines[2].quantity". */
  readonly field?: string;
  readonly shortages?: readonly StockShortage[];
  /** For RESOURCE_EXHAUSTED: how long to wait before trying again (milliseconds). */
  readonly retryAfterMs?: number;
}

export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly reason: string;
  readonly field: string | undefined;
  readonly shortages: readonly StockShortage[];
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly kind: ErrorKind,
    message: string,
    details: ErrorDetails = {},
  ) {
    super(message);
    this.reason = details.reason ?? kind;
    this.field = details.field;
    this.shortages = details.shortages ?? [];
    this.retryAfterMs = details.retryAfterMs;
  }

  /** The details this error was made with, so a copy with another message keeps all of them. */
  get details(): ErrorDetails {
    return {
      reason: this.reason,
      ...(this.field === undefined ? {} : { field: this.field }),
      shortages: this.shortages,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
    };
  }
}

export const invalidArgument = (field: string, message: string): DomainError =>
  new DomainError('INVALID_ARGUMENT', `${field}: ${message}`, { field, reason: 'INVALID_FIELD' });

/** "field: message" when the error is about one request field, so the message names it. */
const withField = (kind: ErrorKind, message: string, field: string | undefined): DomainError =>
  field === undefined ? new DomainError(kind, message) : new DomainError(kind, `${field}: ${message}`, { field });

export const notFound = (message: string, field?: string): DomainError => withField('NOT_FOUND', message, field);

export const alreadyExists = (message: string, field?: string): DomainError =>
  withField('ALREADY_EXISTS', message, field);

export const failedPrecondition = (message: string, details: ErrorDetails = {}): DomainError =>
  new DomainError('FAILED_PRECONDITION', message, details);

export const unauthenticated = (message: string): DomainError => new DomainError('UNAUTHENTICATED', message);

export const permissionDenied = (message: string): DomainError => new DomainError('PERMISSION_DENIED', message);

export const unavailable = (message: string): DomainError => new DomainError('UNAVAILABLE', message);

/**
 * The server is busy (a full queue, a spent budget): the call was not run, and may be sent again
 * after `retryAfterMs`. Callers see RESOURCE_EXHAUSTED (gRPC) or TOO_MANY_REQUESTS (GraphQL, 429).
 */
export const resourceExhausted = (message: string, retryAfterMs: number, reason = 'RESOURCE_EXHAUSTED'): DomainError =>
  new DomainError('RESOURCE_EXHAUSTED', message, { reason, retryAfterMs: Math.max(0, Math.ceil(retryAfterMs)) });

export function isDomainError(error: unknown, kind?: ErrorKind): error is DomainError {
  return error instanceof DomainError && (kind === undefined || error.kind === kind);
}

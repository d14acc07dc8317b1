import { shortagesOf } from '@emporium/catalog/client.js';
import { DomainError, type ErrorKind } from '@emporium/kit/errors.js';

// What an error means to a client: the domain error kinds mapped once to the public codes, and
// the gateway's own errors with the HTTP status they answer with. How the response carrying them
// is shaped is error-response.ts; service field names become GraphQL ones in
// resolvers/service-field-names.ts.

/** The stable codes in every error's `extensions.code`: part of the public contract. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'OUT_OF_STOCK'
  | 'UNAVAILABLE'
  | 'TOO_MANY_REQUESTS'
  | 'INTERNAL';

/** The one mapping from domain error kinds to GraphQL codes. */
const codeOfKind: Record<ErrorKind, ErrorCode> = {
  INVALID_ARGUMENT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'CONFLICT',
  // A request that is well-formed but clashes with the current state (cancelling a rejected
  // order): CONFLICT, except a stock shortage, which has its own code (below).
  FAILED_PRECONDITION: 'CONFLICT',
  ABORTED: 'CONFLICT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  PERMISSION_DENIED: 'FORBIDDEN',
  UNAVAILABLE: 'UNAVAILABLE',
  DEADLINE_EXCEEDED: 'UNAVAILABLE',
  // A busy service refused the call before doing any of it: retry after extensions.retryAfter.
  RESOURCE_EXHAUSTED: 'TOO_MANY_REQUESTS',
  INTERNAL: 'INTERNAL',
};

/**
 * An error the gateway itself raises before or around execution (limits, tokens, HTTP), with its
 * code and the HTTP status it answers with when it fails the whole request.
 */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extensions: Record<string, unknown> = {},
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

export interface ClassifiedError {
  readonly message: string;
  readonly extensions: { readonly code: ErrorCode } & Record<string, unknown>;
}

/** What a client sees for a domain error: its code, the field at fault, the shortages. */
export function classifyDomainError(error: DomainError): ClassifiedError {
  if (error.kind === 'FAILED_PRECONDITION' && error.reason === 'OUT_OF_STOCK') {
    return {
      message: error.message,
      extensions: {
        code: 'OUT_OF_STOCK',
        shortages: shortagesOf(error).map((s) => ({ productId: s.productId, requested: s.requested, available: s.available })),
      },
    };
  }
  // "The account you order for does not exist" is a precondition to the order service and a
  // missing thing to the client.
  const code = error.kind === 'FAILED_PRECONDITION' && error.reason.endsWith('_NOT_FOUND') ? 'NOT_FOUND' : codeOfKind[error.kind];
  if (code === 'INTERNAL') return { message: 'internal error', extensions: { code } };
  if (code === 'TOO_MANY_REQUESTS') {
    return { message: error.message, extensions: { code, retryAfter: retryAfterSeconds(error.retryAfterMs) } };
  }
  return {
    message: error.message,
    extensions: { code, ...(error.field === undefined ? {} : { field: error.field }) },
  };
}

/** Whole seconds to wait (Retry-After has no fractions), at least 1. */
export function retryAfterSeconds(milliseconds: number | undefined): number {
  return Math.max(1, Math.ceil((milliseconds ?? 1000) / 1000));
}

/** A refusal the gateway itself makes (a spent rate-limit budget): 429 with Retry-After. */
export function tooManyRequests(message: string, retryAfterMs: number, extensions: Record<string, unknown> = {}): GatewayError {
  return new GatewayError('TOO_MANY_REQUESTS', message, { ...extensions, retryAfter: retryAfterSeconds(retryAfterMs) }, 429);
}

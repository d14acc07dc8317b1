import type { ExecutionResult, GraphQLFormattedError } from 'graphql';
import { GraphQLError } from './graphql.js';
import { DomainError, type ErrorKind } from '@emporium/kit/errors.js';
import type { Logger } from '@emporium/kit/logger.js';

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
        shortages: error.shortages.map((s) => ({ productId: s.productId, requested: s.requested, available: s.available })),
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

/* --------------------------------------------------------------------------------------------
 * Field names. The services name fields as in proto ("lines[1].product_id", "page_token"); a
 * client knows them as GraphQL arguments ("input.items[1].productId", "after"). Resolvers say how
 * one maps to the other, and the message's "field: " prefix follows.
 * ------------------------------------------------------------------------------------------ */

const camel = (segment: string) => segment.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export interface FieldMapping {
  /** Prepended to every field: "input" for mutations. */
  readonly prefix?: string;
  /** Proto path prefix -> GraphQL path prefix, longest first wins: { lines: 'items', 'price.amount_minor': 'price' }. */
  readonly renames?: Readonly<Record<string, string>>;
}

export function graphqlFieldName(field: string, mapping: FieldMapping): string {
  let path = field;
  const renames = Object.entries(mapping.renames ?? {}).sort(([a], [b]) => b.length - a.length);
  for (const [from, to] of renames) {
    if (path === from || path.startsWith(`${from}.`) || path.startsWith(`${from}[`)) {
      path = to + path.slice(from.length);
      break;
    }
  }
  path = path
    .split('.')
    .map((segment) => camel(segment))
    .join('.');
  return mapping.prefix === undefined ? path : `${mapping.prefix}.${path}`;
}

/** A rejection handler that renames the field of a domain error: `.catch(inField({ prefix: 'input' }))`. */
export function inField(mapping: FieldMapping): (error: unknown) => never {
  return (error) => {
    if (error instanceof DomainError && error.field !== undefined) {
      const field = graphqlFieldName(error.field, mapping);
      const message = error.message.startsWith(`${error.field}: `)
        ? `${field}: ${error.message.slice(error.field.length + 2)}`
        : error.message;
      throw new DomainError(error.kind, message, { ...error.details, field });
    }
    throw error;
  };
}

/* --------------------------------------------------------------------------------------------
 * The response. Mercurius hands every error of a request to one formatter: request errors
 * (unparsable, invalid, over a limit, bad variables), field errors from resolvers, and HTTP
 * errors (body too large). Each becomes { message, locations, path, extensions.code }.
 * ------------------------------------------------------------------------------------------ */

/** Mercurius wraps a request's validation errors in one error carrying them in `errors`. */
function nestedErrors(error: unknown): readonly unknown[] | undefined {
  if (typeof error === 'object' && error !== null && 'errors' in error) {
    const errors: unknown = error.errors;
    if (Array.isArray(errors)) return errors.map((inner: unknown) => inner);
  }
  return undefined;
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'statusCode' in error && typeof error.statusCode === 'number') {
    return error.statusCode;
  }
  return undefined;
}

interface Formatted {
  readonly error: GraphQLFormattedError;
  /** The HTTP status this error asks for when it fails the whole request. */
  readonly status: number;
}

/**
 * graphql-jit reports list indices in paths as strings ("0"); the spec says integers. A GraphQL
 * name never starts with a digit, so a digit-only segment is always an index.
 */
function pathSegment(segment: string | number): string | number {
  return typeof segment === 'string' && /^\d+$/.test(segment) ? Number(segment) : segment;
}

function format(error: GraphQLError, log: Logger): Formatted {
  const base = {
    ...(error.locations === undefined ? {} : { locations: error.locations }),
    ...(error.path === undefined ? {} : { path: error.path.map(pathSegment) }),
  };
  const original = error.originalError;
  if (original instanceof DomainError) {
    const classified = classifyDomainError(original);
    if (classified.extensions.code === 'INTERNAL') log.error({ err: original, path: error.path }, 'backend internal error');
    // A variable that failed a scalar's parsing keeps graphql's message, which names the variable.
    const message = error.path === undefined && original.kind === 'INVALID_ARGUMENT' ? error.message : classified.message;
    const status = classified.extensions.code === 'TOO_MANY_REQUESTS' ? 429 : 200;
    return { error: { message, ...base, extensions: classified.extensions }, status };
  }
  if (original instanceof GatewayError) {
    return {
      error: { message: original.message, ...base, extensions: { ...original.extensions, code: original.code } },
      status: original.statusCode,
    };
  }
  if (original === undefined || original instanceof GraphQLError) {
    // Parse, validation and variable errors are the client's (no path: execution never began).
    // With a path, graphql itself failed a field (a null for a non-null field): our bug.
    if (error.path === undefined) {
      // Our own limit rules set a code and a reason; graphql's rules set none.
      return {
        error: { message: error.message, ...base, extensions: { code: 'BAD_USER_INPUT', ...error.extensions } },
        status: 400,
      };
    }
    log.error({ err: error, path: error.path }, 'graphql execution error');
    return { error: { message: 'internal error', ...base, extensions: { code: 'INTERNAL' } }, status: 200 };
  }
  const status = httpStatusOf(original);
  if (status !== undefined && status >= 400 && status < 500) {
    // fastify and mercurius refusing the HTTP request (body too large, bad JSON, a mutation over
    // GET): their messages describe the request, never the server.
    return { error: { message: error.message, extensions: { code: 'BAD_USER_INPUT' } }, status };
  }
  log.error({ err: original, path: error.path }, 'unexpected error');
  return { error: { message: 'internal error', ...base, extensions: { code: 'INTERNAL' } }, status: 500 };
}

function flatten(errors: readonly GraphQLError[]): GraphQLError[] {
  const flat: GraphQLError[] = [];
  for (const error of errors) {
    const nested = nestedErrors(error.originalError);
    if (nested === undefined) {
      flat.push(error);
      continue;
    }
    for (const inner of nested) {
      if (inner instanceof GraphQLError) flat.push(inner);
      // A plain inner error keeps its own message and the wrapper's HTTP status (a mutation
      // over GET: "Operation cannot be performed via a GET request", 405).
      else if (inner instanceof Error) flat.push(new GraphQLError(inner.message, { originalError: error.originalError }));
    }
  }
  return flat;
}

export interface FormattedResponse {
  readonly statusCode: number;
  /** Seconds for a Retry-After header: set when an error is TOO_MANY_REQUESTS (the longest wait). */
  readonly retryAfter?: number;
  readonly response: { data?: ExecutionResult['data'] | null; errors: GraphQLFormattedError[] };
}

/**
 * The errorFormatter given to Mercurius. A response with data is 200 (GraphQL over HTTP: partial
 * results are results); one without data takes the status its first error asks for.
 */
export function formatErrors(execution: ExecutionResult & { statusCode?: number }, log: Logger): FormattedResponse {
  const formatted = flatten(execution.errors ?? []).map((error) => format(error, log));
  const errors = formatted.map((f) => f.error);
  const waits = errors.flatMap((error) =>
    error.extensions?.code === 'TOO_MANY_REQUESTS' && typeof error.extensions.retryAfter === 'number' ? [error.extensions.retryAfter] : [],
  );
  if (waits.length > 0) {
    // Refused for load or a spent budget: 429 whatever else happened, so clients and proxies back
    // off (a partial result would still be in the body).
    const retry = { statusCode: 429, retryAfter: Math.max(...waits) };
    if (execution.data === undefined) return { ...retry, response: { errors } };
    return { ...retry, response: { data: execution.data, errors } };
  }
  // A request that never began executing has no `data` at all (GraphQL over HTTP); one whose
  // root field failed has `data: null`.
  if (execution.data === undefined) return { statusCode: formatted[0]?.status ?? execution.statusCode ?? 400, response: { errors } };
  const statusCode = execution.data === null ? (formatted[0]?.status ?? 200) : 200;
  return { statusCode, response: { data: execution.data, errors } };
}

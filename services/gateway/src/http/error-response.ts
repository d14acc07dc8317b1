import type { ExecutionResult, GraphQLFormattedError } from 'graphql';
import type { MercuriusCommonOptions } from 'mercurius';
import { DomainError } from '@emporium/kit/errors.js';
import type { Logger } from '@emporium/kit/logger.js';
import { GraphQLError } from '../graphql/runtime.js';
import { GatewayError, classifyDomainError } from './error-codes.js';
import { GRAPHQL_RESPONSE_JSON, responseMediaType } from './graphql-over-http.js';
import type { GraphqlMetrics } from './metrics.js';

/*
 * The response. Mercurius hands every error of a request to one formatter: request errors
 * (unparsable, invalid, over a limit, bad variables), field errors from resolvers, and HTTP
 * errors (body too large). Each becomes { message, locations, path, extensions.code }; what the
 * codes mean is error-codes.ts.
 */

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

/**
 * The errorFormatter given to Mercurius: every error formatted (formatErrors), counted (metrics),
 * a Retry-After header for a refusal, and a 2xx status for a response with data in
 * application/graphql-response+json, as that media type requires.
 */
export function graphqlErrorFormatter(log: Logger, metrics: GraphqlMetrics): NonNullable<MercuriusCommonOptions['errorFormatter']> {
  return (execution, context) => {
    const formatted = formatErrors(execution, log.child({ requestId: context.reply.request.id }));
    metrics.errorsAnswered(context.reply.request, formatted.response.errors);
    if (formatted.retryAfter !== undefined) context.reply.header('retry-after', String(formatted.retryAfter));
    const graphqlResponse = responseMediaType(context.reply.request.headers.accept) === GRAPHQL_RESPONSE_JSON;
    if (graphqlResponse && formatted.response.data != null && formatted.statusCode >= 300) return { ...formatted, statusCode: 200 };
    return formatted;
  };
}

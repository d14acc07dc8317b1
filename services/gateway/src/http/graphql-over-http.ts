import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { REQUEST_ID_HEADER } from '@emporium/kit/context.js';
import { parse } from '../graphql/runtime.js';
import { GatewayError } from './error-codes.js';

/*
 * GraphQL over HTTP (the GraphQL foundation's spec), where Mercurius leaves gaps: the shape of a
 * request is checked before Mercurius sees it (Mercurius' own JSON schema coerces `{"query": 1}`
 * to "1" and refuses `"extensions": null`), and responses come in the media type the client
 * accepts. Status codes are the same for both media types (see README, "GraphQL over HTTP").
 */

export const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json';
export const APPLICATION_JSON = 'application/json';
export type ResponseMediaType = typeof GRAPHQL_RESPONSE_JSON | typeof APPLICATION_JSON;

/**
 * The media type to answer in, from the Accept header: application/graphql-response+json when the
 * client ranks it above application/json (by q, then by order), else application/json, which is
 * also the answer to no Accept header, to * / * and to an Accept that names neither.
 */
export function responseMediaType(accept: string | undefined): ResponseMediaType {
  let best: { type: ResponseMediaType; q: number } | undefined;
  for (const range of (accept ?? '').split(',')) {
    const [name = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    const type =
      name === GRAPHQL_RESPONSE_JSON
        ? GRAPHQL_RESPONSE_JSON
        : [APPLICATION_JSON, 'application/*', '*/*'].includes(name)
          ? APPLICATION_JSON
          : undefined;
    if (type === undefined) continue;
    const qParameter = parameters.find((parameter) => parameter.startsWith('q='));
    const q = qParameter === undefined ? 1 : Number(qParameter.slice(2));
    if (!Number.isFinite(q) || q <= 0) continue;
    if (best === undefined || q > best.q) best = { type, q };
  }
  return best?.type ?? APPLICATION_JSON;
}

const map = (name: string) => z.record(z.string(), z.unknown(), { error: `${name}: must be a map (a JSON object) or null` }).nullish();
const requestParameters = z.object({
  query: z.string({ error: 'query: a GraphQL document (a string) is required' }).min(1, 'query: the GraphQL document is empty'),
  operationName: z.string({ error: 'operationName: must be a string or null' }).nullish(),
  variables: map('variables'),
  extensions: map('extensions'),
});

/** Parses the JSON of a GET parameter (variables, extensions); undefined when it is absent. */
function jsonParameter(name: string, value: unknown): unknown {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`${name}: must be given once, as JSON`);
  try {
    return JSON.parse(value);
  } catch {
    throw badRequest(`${name}: is not valid JSON`);
  }
}

function badRequest(message: string): GatewayError {
  return new GatewayError('BAD_USER_INPUT', message, {}, 400);
}

/**
 * Mercurius executes a query that is not a GraphQL document but parses as JSON as a JSON AST,
 * without checking its shape. No GraphQL document is valid JSON, so such a query is refused with
 * the parser's own syntax error.
 */
function refuseJsonQuery(query: string): void {
  try {
    JSON.parse(query);
  } catch {
    return;
  }
  parse(query); // throws the syntax error
  throw badRequest('query: not a GraphQL document');
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'the request is not a GraphQL request';
  const field = issue.path.join('.');
  return issue.message.includes(':') || field === '' ? issue.message : `${field}: ${issue.message}`;
}

/**
 * Checks a GraphQL request's parameters (POST body or GET query string) and hands Mercurius the
 * checked ones, `null`s that mean "absent" dropped. Throws BAD_USER_INPUT (400).
 */
export function checkGraphqlRequest(request: FastifyRequest): void {
  const get = request.method === 'GET';
  const raw: unknown = get ? request.query : request.body;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw badRequest('the request must be a JSON object with a "query" (batched requests are not supported)');
  }
  const given = Object.fromEntries(Object.entries(raw));
  const parsed = requestParameters.safeParse(
    get
      ? { ...given, variables: jsonParameter('variables', given.variables), extensions: jsonParameter('extensions', given.extensions) }
      : given,
  );
  if (!parsed.success) throw badRequest(firstIssue(parsed.error));
  const { query, operationName, variables, extensions } = parsed.data;
  refuseJsonQuery(query);
  if (get) {
    // Mercurius parses variables and extensions of a GET itself, from the strings it was given.
    request.query = {
      query,
      ...(operationName == null ? {} : { operationName }),
      ...(variables == null ? {} : { variables: JSON.stringify(variables) }),
      ...(extensions == null ? {} : { extensions: JSON.stringify(extensions) }),
    };
  } else {
    request.body = {
      query,
      ...(operationName == null ? {} : { operationName }),
      ...(variables == null ? {} : { variables }),
      ...(extensions == null ? {} : { extensions }),
    };
  }
}

/**
 * GraphQL over HTTP on the scope that holds the GraphQL route (before Mercurius is registered
 * there): the request's shape is checked before Mercurius' own (coercing) schema sees it, and
 * every response carries its request id and the media type the client accepts.
 */
export function registerGraphqlOverHttp(api: FastifyInstance): void {
  // Mercurius' response schema types error paths as strings, so fast-json-stringify would turn
  // list indices into "0"; the spec says integers. Its data schema is free-form anyway, so plain
  // JSON.stringify costs nothing that schema serialization saved.
  api.setSerializerCompiler(() => (data) => JSON.stringify(data));
  api.addHook('preValidation', (request, _reply, done) => {
    checkGraphqlRequest(request);
    done();
  });
  api.addHook('onSend', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    reply.header('content-type', `${responseMediaType(request.headers.accept)}; charset=utf-8`);
  });
}

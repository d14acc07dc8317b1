import { z } from 'zod';
import { BACKEND_CALLS_HEADER } from '@emporium/gateway/server.js';
import { uniqueEmail } from './unique.js';

/*
 * The GraphQL test client: a request over HTTP as any client sends it, its answer parsed, and the
 * calls every gateway suite makes (sign up, log in as the admin, read a value by path).
 */

/** The admin every test gateway is configured with; strong enough for its ADMIN_PASSWORD check. */
export const ADMIN = { email: 'admin@emporium.test', password: 'violet teapot orbit 42' };

export interface GraphQLResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly data: Record<string, unknown> | null | undefined;
  readonly errors: readonly GraphQLErrorBody[] | undefined;
  /** Backend calls per RPC, from the x-emporium-backend-calls header. */
  readonly calls: Record<string, number>;
}

export interface GraphQLErrorBody {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly extensions: { readonly code: string } & Record<string, unknown>;
}

export interface RequestOptions {
  readonly variables?: Record<string, unknown>;
  readonly token?: string | undefined;
  readonly headers?: Record<string, string>;
}

/** What sends a request to one gateway (a stack does). */
export interface GraphQLClient {
  request(query: string, options?: RequestOptions): Promise<GraphQLResponse>;
}

const errorsShape = z.array(
  z.looseObject({
    message: z.string(),
    path: z.array(z.union([z.string(), z.number()])).optional(),
    extensions: z.looseObject({ code: z.string() }),
  }),
);

function parseCalls(header: string | null): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const part of (header ?? '').split(',')) {
    const [rpc, count] = part.trim().split('=');
    if (rpc && count) calls[rpc] = Number(count);
  }
  return calls;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** POSTs a GraphQL request to the gateway at url and returns the parsed answer. */
export async function graphql(url: string, query: string, options: RequestOptions = {}): Promise<GraphQLResponse> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  const body: unknown = await response.json();
  if (!isRecord(body)) throw new Error(`not a GraphQL response: ${JSON.stringify(body)}`);
  const data = body.data;
  const errors = body.errors;
  return {
    status: response.status,
    headers: response.headers,
    data: isRecord(data) ? data : data === null ? null : undefined,
    errors: errors === undefined ? undefined : errorsShape.parse(errors),
    calls: parseCalls(response.headers.get(BACKEND_CALLS_HEADER)),
  };
}

/** Total backend calls of a response. */
export const totalCalls = (response: GraphQLResponse) => Object.values(response.calls).reduce((a, b) => a + b, 0);

/** The error codes of a response, in order. */
export const codes = (response: GraphQLResponse) => (response.errors ?? []).map((e) => e.extensions.code);

/** Signs up a new customer and returns its id and token. */
export async function signUp(client: GraphQLClient, name = 'Ada Lovelace'): Promise<{ id: string; token: string; email: string }> {
  const email = uniqueEmail();
  const response = await client.request(
    `mutation($input: SignUpInput!) { signUp(input: $input) { token account { id } } }`,
    { variables: { input: { name, email, password: 'correct horse battery' } } },
  );
  const payload = response.data?.signUp;
  if (!isRecord(payload) || typeof payload.token !== 'string' || !isRecord(payload.account) || typeof payload.account.id !== 'string') {
    throw new Error(`signUp failed: ${JSON.stringify(response.errors)}`);
  }
  return { id: payload.account.id, token: payload.token, email };
}

/** Logs in as ADMIN and returns the token. */
export async function logInAdmin(client: GraphQLClient): Promise<string> {
  const response = await client.request(`mutation($input: LogInInput!) { logIn(input: $input) { token } }`, {
    variables: { input: ADMIN },
  });
  const payload = response.data?.logIn;
  if (!isRecord(payload) || typeof payload.token !== 'string') throw new Error(`admin logIn failed: ${JSON.stringify(response.errors)}`);
  return payload.token;
}

/** Reads a nested value from response data by path, failing loudly when it is not there. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof key === 'number') {
      if (!Array.isArray(current)) throw new Error(`expected an array at ${path.join('.')}`);
      current = current[key];
    } else {
      if (!isRecord(current)) throw new Error(`expected an object at ${path.join('.')}`);
      current = current[key];
    }
  }
  return current;
}

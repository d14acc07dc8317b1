import type { TypedDocumentString } from './gen/graphql';

/** One GraphQL error as the gateway sends it: extensions.code is the contract, the message is for people. */
export interface ApiErrorDetail {
  readonly message: string;
  readonly extensions?: { readonly code?: string; readonly [key: string]: unknown };
}

/** A request that failed: the first error's code (or NETWORK for no answer at all), and every error. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly errors: readonly ApiErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const GRAPHQL_PATH = '/graphql';

function isErrorList(value: unknown): value is ApiErrorDetail[] {
  return Array.isArray(value) && value.every((e) => typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string');
}

/** Sends one operation to the gateway on this origin; the refresh cookie goes along (same origin). */
export async function execute<Result, Variables>(
  document: TypedDocumentString<Result, Variables>,
  variables: Variables,
  token?: string | null,
): Promise<Result> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers,
      credentials: 'same-origin',
      body: JSON.stringify({ query: document.toString(), variables }),
    });
  } catch (error) {
    throw new ApiError('NETWORK', `The shop could not reach the server (${error instanceof Error ? error.message : String(error)}).`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new ApiError('NETWORK', `The server answered ${response.status} without a readable body.`);
  }
  const { data, errors } = (typeof body === 'object' && body !== null ? body : {}) as { data?: unknown; errors?: unknown };
  if (isErrorList(errors) && errors.length > 0) {
    const first = errors[0];
    const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : 'INTERNAL';
    throw new ApiError(code, first?.message ?? 'The request failed.', errors);
  }
  if (data === null || data === undefined) throw new ApiError('INTERNAL', `The server answered ${response.status} with no data.`);
  return data as Result;
}

/** A message fit for the page. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/** Whether the error says the thing asked for does not exist (an unknown or malformed id). */
export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && (error.code === 'NOT_FOUND' || error.code === 'BAD_USER_INPUT');
}

/** The answer, or null when the thing asked for does not exist. */
export async function orNull<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

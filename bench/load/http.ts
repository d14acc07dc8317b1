// What the load generators share: the request a load sends, and how each answer is counted.

/** One HTTP request of a load: the body and headers; the method is POST, the path the target's. */
export interface LoadRequest {
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

export const BACKEND_CALLS_HEADER = 'x-emporium-backend-calls';

/** The outcome of one response: "OK" or why it failed (a GraphQL error code, HTTP_<status>). */
export function classifyResponse(status: number, body: string): string {
  // Cheap test first: most bodies have no errors, and parsing every large body would load the
  // load generator, which shares the machine with the servers.
  if (status === 200 && !body.includes('"errors"')) return 'OK';
  let code: unknown;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'errors' in parsed && Array.isArray(parsed.errors)) {
      const first: unknown = parsed.errors[0];
      if (typeof first === 'object' && first !== null && 'extensions' in first) {
        const extensions: unknown = first.extensions;
        if (typeof extensions === 'object' && extensions !== null && 'code' in extensions) code = extensions.code;
      }
    }
  } catch {
    // Not JSON: named by its status below.
  }
  if (typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code)) return code;
  return status === 200 ? 'GRAPHQL_ERROR' : `HTTP_${status}`;
}

/** "A.B=1, C.D=2" -> { "A.B": 1, "C.D": 2 }; malformed parts are ignored. */
export function parseBackendCalls(header: string): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const part of header.split(',')) {
    const match = /^\s*([A-Za-z0-9_.]+)=(\d+)\s*$/.exec(part);
    if (match?.[1] !== undefined && match[2] !== undefined) calls[match[1]] = (calls[match[1]] ?? 0) + Number(match[2]);
  }
  return calls;
}

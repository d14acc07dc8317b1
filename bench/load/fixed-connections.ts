import autocannon from 'autocannon';
import { summarizeLatencies, type LatencySummary } from './stats.js';
import { BACKEND_CALLS_HEADER, classifyResponse, parseBackendCalls, type LoadRequest } from './http.js';

// The closed-loop load of the timed-load scenarios: autocannon with a fixed number of connections
// for a fixed time, each sending its next request when the last one is answered.

export interface LoadOptions {
  /** http://127.0.0.1:port/graphql — loopback only. */
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  /** The next request; called once per request, so a seeded generator gives the same sequence every run. */
  readonly next: () => LoadRequest;
}

/** Per-request backend calls, from the gateway's x-emporium-backend-calls header. */
export interface BackendCalls {
  /** Mean calls per request over the responses that carried the header. */
  readonly perRequest: number;
  /** Mean calls per request for each RPC, e.g. { "CatalogService.ListProducts": 1 }. */
  readonly byRpc: Record<string, number>;
}

export interface RunResult {
  readonly seconds: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: LatencySummary;
  /** Responses with data and no errors. */
  readonly ok: number;
  /** Failed requests by cause: a GraphQL extensions.code, HTTP_<status>, or TRANSPORT (connection errors, timeouts). */
  readonly errors: Record<string, number>;
  readonly backendCalls?: BackendCalls;
}

function headerValue(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  if (headers === undefined) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : undefined;
  }
  return undefined;
}

/** Drives a target with a fixed number of connections for a fixed time and measures every response. */
export async function runLoad(options: LoadOptions): Promise<RunResult> {
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let ok = 0;
  const callTotals: Record<string, number> = {};
  let withHeader = 0;

  let finish: (error: unknown, result: autocannon.Result | undefined) => void = () => undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    finish = (error, result) => (error !== null && error !== undefined ? reject(toError(error)) : result ? resolve(result) : reject(new Error('autocannon gave no result')));
  });
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    method: 'POST',
    requests: [
      {
        setupRequest: (request) => {
          const next = options.next();
          return { ...request, method: 'POST', body: next.body, headers: { 'content-type': 'application/json', ...next.headers } };
        },
        onResponse: (status, body, _context, headers) => {
          const outcome = classifyResponse(status, body);
          if (outcome === 'OK') ok++;
          else errors[outcome] = (errors[outcome] ?? 0) + 1;
          const calls = headerValue(headers, BACKEND_CALLS_HEADER);
          if (calls !== undefined) {
            withHeader++;
            for (const [rpc, count] of Object.entries(parseBackendCalls(calls))) callTotals[rpc] = (callTotals[rpc] ?? 0) + count;
          }
        },
      },
    ],
  }, (error: unknown, result: autocannon.Result | undefined) => finish(error, result));
  // autocannon's own histogram has whole-millisecond buckets; sub-millisecond point reads need
  // the exact times, which every response event carries.
  instance.on('response', (_client, _status, _bytes, responseTime) => {
    latencies.push(responseTime);
  });
  let transportErrors = 0;
  instance.on('reqError', () => {
    transportErrors++;
  });
  const result = await finished;
  if (transportErrors > 0) errors.TRANSPORT = transportErrors;
  const seconds = result.duration;
  const requests = latencies.length;
  const byRpc = Object.fromEntries(Object.entries(callTotals).map(([rpc, total]) => [rpc, total / Math.max(withHeader, 1)]));
  const total = Object.values(callTotals).reduce((sum, count) => sum + count, 0);
  return {
    seconds,
    requests,
    requestsPerSecond: requests / seconds,
    latencyMs: summarizeLatencies(latencies),
    ok,
    errors,
    ...(withHeader > 0 ? { backendCalls: { perRequest: total / withHeader, byRpc } } : {}),
  };
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

import { Agent, request as httpRequest } from 'node:http';
import autocannon from 'autocannon';
import { summarizeLatencies, type LatencySummary } from './stats.js';

/** One HTTP request of a load: the body and headers; the method is POST, the path the target's. */
export interface LoadRequest {
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

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

export interface PacedLoadOptions {
  /** http://127.0.0.1:port/graphql — loopback only. */
  readonly url: string;
  /** Requests sent per second, evenly spaced, whatever the answers' speed (an open loop). */
  readonly rate: number;
  readonly seconds: number;
  readonly next: () => LoadRequest;
}

export interface PacedRunResult {
  /** From the first request sent to the last answer received. */
  readonly seconds: number;
  readonly requests: number;
  readonly ok: number;
  readonly errors: Record<string, number>;
  readonly latencyMs: LatencySummary;
  /** The most requests waiting for their answers at once: near rate × latency when the target keeps up. */
  readonly maxInFlight: number;
}

/** Sends one request on a kept-alive connection; resolves with its status and body. */
function send(agent: Agent, target: URL, request: LoadRequest): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      target,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(request.body), ...request.headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * A fixed request rate for a fixed time: request n leaves at n / rate seconds, answered or not, so
 * every target gets the same arrivals however fast it is (autocannon's rate limit sends each
 * second's requests in one burst). Meant for rates well below what the target can serve, where the
 * cost of a request does not depend on how busy the target is.
 */
export async function runPacedLoad(options: PacedLoadOptions): Promise<PacedRunResult> {
  const target = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(options.rate * options.seconds);
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let ok = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const pending: Promise<void>[] = [];
  const started = performance.now();
  try {
    for (let n = 0; n < total; n++) {
      const due = started + (n * 1000) / options.rate;
      const wait = due - performance.now();
      if (wait >= 1) await sleep(wait);
      const sentAt = performance.now();
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      pending.push(
        send(agent, target, options.next()).then(
          ({ status, body }) => {
            latencies.push(performance.now() - sentAt);
            const outcome = classifyResponse(status, body);
            if (outcome === 'OK') ok++;
            else errors[outcome] = (errors[outcome] ?? 0) + 1;
          },
          () => {
            errors.TRANSPORT = (errors.TRANSPORT ?? 0) + 1;
          },
        ).finally(() => {
          inFlight--;
        }),
      );
    }
    await Promise.all(pending);
  } finally {
    agent.destroy();
  }
  return {
    seconds: (performance.now() - started) / 1000,
    requests: total,
    ok,
    errors,
    latencyMs: summarizeLatencies(latencies),
    maxInFlight,
  };
}

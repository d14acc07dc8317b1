import { Agent, request as httpRequest } from 'node:http';
import { summarizeLatencies, type LatencySummary } from './stats.js';
import { classifyResponse, type LoadRequest } from './http.js';

// The open-loop load: a fixed request rate, whatever the answers' speed (the tracing scenario's).

export interface PacedLoadOptions {
  /** http://127.0.0.1:port/graphql — loopback only. */
  readonly url: string;
  /** Requests sent per second, evenly spaced, whatever the answers' speed (an open loop). */
  readonly rate: number;
  readonly seconds: number;
  readonly next: () => LoadRequest;
  /** Called with every HTTP answer (performance.now() times), e.g. to read the ids it carries. */
  readonly onAnswer?: (answer: PacedAnswer) => void;
}

/** One answered request of a paced load. */
export interface PacedAnswer {
  readonly status: number;
  readonly body: string;
  readonly sentAt: number;
  readonly answeredAt: number;
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
            const answeredAt = performance.now();
            latencies.push(answeredAt - sentAt);
            options.onAnswer?.({ status, body, sentAt, answeredAt });
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

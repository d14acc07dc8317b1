import type { RunResult } from './fixed-connections.js';
import { classifyResponse } from './http.js';
import { summarizeLatencies, type LatencySummary } from './stats.js';

// The load of the signup-burst scenario: a wave of sign-ups, all sent at once, and an
// administrator's logIn right after. Not a steady load (autocannon's kind) but one wave: what a
// launch or a bot does to the account service, whose password hashing is the costliest work on
// the platform.

export const SIGN_UP = 'mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token } }';
export const LOG_IN = 'mutation LogIn($input: LogInInput!) { logIn(input: $input) { token } }';

/** One response of the burst: its outcome ("OK" or the error code) and how long it took. */
export interface BurstOutcome {
  readonly outcome: string;
  readonly ms: number;
}

export interface BurstSummary {
  /** The wave in the harness's usual shape, so the report's table and error accounting apply. */
  readonly run: RunResult;
  /** Latency of the sign-ups that succeeded, and of those refused with TOO_MANY_REQUESTS. */
  readonly succeeded: LatencySummary;
  readonly refused: LatencySummary;
  /** Successful sign-ups per second of the wave's wall time: the hashing throughput. */
  readonly signUpsPerSecond: number;
  /** Refused ÷ sent. */
  readonly refusedShare: number;
  /** The logIn sent once every sign-up had its answer. */
  readonly logInAfter: BurstOutcome;
}

export const REFUSED = 'TOO_MANY_REQUESTS';

/** Pure: the figures of one wave. */
export function summarizeBurst(outcomes: readonly BurstOutcome[], wallMs: number, logInAfter: BurstOutcome): BurstSummary {
  const errors: Record<string, number> = {};
  let ok = 0;
  for (const { outcome } of outcomes) {
    if (outcome === 'OK') ok++;
    else errors[outcome] = (errors[outcome] ?? 0) + 1;
  }
  const seconds = wallMs / 1000;
  const latencies = (outcome: string) => outcomes.filter((o) => o.outcome === outcome).map((o) => o.ms);
  return {
    run: {
      seconds,
      requests: outcomes.length,
      requestsPerSecond: seconds > 0 ? outcomes.length / seconds : 0,
      latencyMs: summarizeLatencies(outcomes.map((o) => o.ms)),
      ok,
      errors,
    },
    succeeded: summarizeLatencies(latencies('OK')),
    refused: summarizeLatencies(latencies(REFUSED)),
    signUpsPerSecond: seconds > 0 ? ok / seconds : 0,
    refusedShare: outcomes.length > 0 ? (errors[REFUSED] ?? 0) / outcomes.length : 0,
    logInAfter,
  };
}

async function post(url: string, query: string, input: Record<string, string>): Promise<BurstOutcome> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables: { input } }),
    });
    const outcome = classifyResponse(response.status, await response.text());
    return { outcome, ms: performance.now() - started };
  } catch {
    return { outcome: 'TRANSPORT', ms: performance.now() - started };
  }
}

export interface BurstOptions {
  /** http://127.0.0.1:port/graphql */
  readonly url: string;
  readonly size: number;
  /** Unique per wave: the sign-ups' e-mails are <prefix>-<n>@bench.emporium.test. */
  readonly emailPrefix: string;
  readonly logIn: { readonly email: string; readonly password: string };
}

/** Sends `size` sign-ups at once, waits for every answer, then one logIn; measures all of it. */
export async function runSignUpBurst(options: BurstOptions): Promise<BurstSummary> {
  const started = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: options.size }, (_, n) =>
      post(options.url, SIGN_UP, {
        name: `Burst ${n}`,
        email: `${options.emailPrefix}-${n}@bench.emporium.test`,
        password: 'burst sign-up password',
      }),
    ),
  );
  const wallMs = performance.now() - started;
  const logInAfter = await post(options.url, LOG_IN, options.logIn);
  return summarizeBurst(outcomes, wallMs, logInAfter);
}

// A burst of concurrent sign-ups against a running platform, then one log-in: what the account
// service's password-hashing admission control does with it (bench/README.md, "Sign-up burst").
// Run against `npm start` (the administrator's password is read from the demo credentials):
//   npx tsx bench/signup-burst.ts [--count 100] [--url http://127.0.0.1:8080/graphql] [--data-dir .data]
// Prints one JSON object: per outcome (ok, or the error code) how many and their latencies, the
// log-in's outcome and latency, and the wall time of the burst.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { summarizeLatencies } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100' },
    url: { type: 'string', default: `http://127.0.0.1:${process.env.GATEWAY_PORT ?? '8080'}/graphql` },
    'data-dir': { type: 'string', default: process.env.EMPORIUM_DATA_DIR ?? '.data' },
  },
});
const count = z.coerce.number().int().min(1).max(10_000).parse(values.count);
const admin = z
  .object({ admin: z.object({ email: z.string(), password: z.string() }) })
  .parse(JSON.parse(readFileSync(join(resolve(values['data-dir']), 'demo-credentials.json'), 'utf8'))).admin;

const answer = z.object({
  data: z.record(z.string(), z.unknown()).nullish(),
  errors: z.array(z.object({ extensions: z.object({ code: z.string() }).loose() }).loose()).optional(),
});

interface Outcome {
  readonly outcome: string;
  readonly ms: number;
  readonly retryAfter: string | null;
}

async function send(query: string, variables: Record<string, unknown>): Promise<Outcome> {
  const started = performance.now();
  const response = await fetch(values.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = answer.parse(await response.json());
  const ms = performance.now() - started;
  return { outcome: body.errors?.[0]?.extensions.code ?? 'ok', ms, retryAfter: response.headers.get('retry-after') };
}

const run = Date.now().toString(36);
const signUp = (i: number) =>
  send(`mutation($input: SignUpInput!) { signUp(input: $input) { token } }`, {
    input: { name: 'Burst', email: `burst.${run}.${i}@example.com`, password: 'correct horse battery' },
  });

const started = performance.now();
const burst = await Promise.all(Array.from({ length: count }, (_, i) => signUp(i)));
const burstMs = performance.now() - started;
const logIn = await send(`mutation($input: LogInInput!) { logIn(input: $input) { token } }`, { input: admin });

const outcomes: Record<string, unknown> = {};
for (const outcome of new Set(burst.map((b) => b.outcome))) {
  const of = burst.filter((b) => b.outcome === outcome);
  outcomes[outcome] = {
    count: of.length,
    latencyMs: summarizeLatencies(of.map((b) => b.ms)),
    retryAfter: [...new Set(of.map((b) => b.retryAfter).filter((r) => r !== null))],
  };
}
process.stdout.write(
  `${JSON.stringify({ count, burstMs: Math.round(burstMs), outcomes, logIn: { outcome: logIn.outcome, ms: Math.round(logIn.ms) } }, null, 2)}\n`,
);

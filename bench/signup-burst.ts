// A burst of concurrent sign-ups against a running platform, then one log-in (bench/README.md,
// "Other measurements"): the signup-burst scenario of `npm run bench`, aimed at a platform you started yourself.
// Run against `npm start` (the administrator's password is read from the demo credentials):
//   npx tsx bench/signup-burst.ts [--count 100] [--url http://127.0.0.1:8080/graphql] [--data-dir .data]
// Prints the wave's figures as JSON. Mind the gateway's per-IP budgets (SIGNUPS_PER_IP 10 an hour
// by default): every sign-up here comes from one address, so raise them to measure the account
// service's admission control rather than the rate limits.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { runSignUpBurst } from './load/sign-up-wave.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100' },
    url: { type: 'string', default: `http://127.0.0.1:${process.env.GATEWAY_PORT ?? '8080'}/graphql` },
    'data-dir': { type: 'string', default: process.env.EMPORIUM_DATA_DIR ?? '.data' },
  },
});
const size = z.coerce.number().int().min(1).max(10_000).parse(values.count);
const admin = z
  .object({ admin: z.object({ email: z.string(), password: z.string() }) })
  .parse(JSON.parse(readFileSync(join(resolve(values['data-dir']), 'demo-credentials.json'), 'utf8'))).admin;

const summary = await runSignUpBurst({ url: values.url, size, emailPrefix: `burst-${Date.now().toString(36)}`, logIn: admin });
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
